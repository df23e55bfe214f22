#include "subkeeper/common/status.h"

#include <catch2/catch.hpp>

namespace subkeeper {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SK_ASSIGN_OR_RETURN(int half, Half(x));
  return Half(half);
}

TEST_CASE("Status carries the platform detail in its text", "[common]") {
  Status s = Status::NotFound("Resource for parameter [subscriptionId] is not found");
  s.WithHttp(404, "CMN-102");
  CHECK(s.ToString() ==
        "not_found: CMN-102 (HTTP 404): Resource for parameter [subscriptionId] is not found");
  CHECK(Status::Unavailable("x").ToString() == "unavailable: x");
  CHECK(Status::OK().ToString() == "ok");
}

TEST_CASE("Result propagates errors through SK_ASSIGN_OR_RETURN", "[common]") {
  CHECK(Quarter(8).value() == 2);
  auto r = Quarter(6);  // 6/2 = 3 is odd
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace subkeeper
