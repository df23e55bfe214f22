#include "subkeeper/platform/errors.h"

#include <catch2/catch.hpp>

#include "support/secret_fragments.h"

namespace subkeeper::platform {
namespace {

using http::Headers;
using http::HttpResponse;

HttpResponse Answer(int status, std::string body, Headers headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

const char kNewShape[] = R"({"errors":[{"errorCode":"%s","message":"platform says %s"}]})";
const char kOldShape[] =
    R"({"errorCode":"InvalidParameter","message":"top %s","errors":[{"errorCode":"%s",)"
    R"("message":"platform says %s","parameterName":"expiresIn"}],"parameterName":"expiresIn"})";

std::string Fill(const char* format, const std::string& code) {
  std::string out = format;
  for (size_t pos = out.find("%s"); pos != std::string::npos; pos = out.find("%s")) {
    out.replace(pos, 2, code);
  }
  return out;
}

TEST_CASE("MapHttpError follows the table in api.h for both body shapes", "[platform]") {
  struct Row {
    int http;
    std::string code;
    StatusCode expected;
  };
  const std::vector<Row> rows = {{404, "CMN-102", StatusCode::kNotFound},
                                 {400, "CMN-102", StatusCode::kNotFound},
                                 {404, "CMN-120", StatusCode::kNotFound},
                                 {400, "CMN-101", StatusCode::kInvalidArgument},
                                 {400, "SUB-515", StatusCode::kInvalidArgument},
                                 {401, "OAU-128", StatusCode::kUnauthenticated},
                                 {403, "CMN-401", StatusCode::kPermissionDenied},
                                 {403, "SUB-505", StatusCode::kPermissionDenied},
                                 {408, "CMN-999", StatusCode::kUnavailable},
                                 {500, "CMN-211", StatusCode::kUnavailable},
                                 {503, "CMN-211", StatusCode::kUnavailable},
                                 {409, "CMN-999", StatusCode::kInvalidArgument},
                                 {429, "CMN-301", StatusCode::kResourceExhausted}};
  for (const Row& row : rows) {
    for (const char* shape : {kNewShape, kOldShape}) {
      INFO("HTTP " << row.http << " " << row.code << " shape " << shape);
      Status status = MapHttpError(Answer(row.http, Fill(shape, row.code)));
      CHECK(status.code() == row.expected);
      CHECK(status.http_status() == row.http);
      CHECK(status.api_code() == row.code);  // errors[0] wins over the top-level errorCode
      CHECK(status.message().find("platform says " + row.code) != std::string::npos);
    }
  }
}

TEST_CASE("MapHttpError reads the top-level code when errors[] is absent", "[platform]") {
  Status status = MapHttpError(Answer(
      400, R"({"errorCode":"CMN-102","message":"Resource for parameter [id] is not found"})"));
  CHECK(status.code() == StatusCode::kNotFound);
  CHECK(status.api_code() == "CMN-102");
  CHECK(status.message() == "Resource for parameter [id] is not found");
}

TEST_CASE("MapHttpError reads OAuth's error and error_description", "[platform]") {
  Status status = MapHttpError(Answer(
      400, R"({"error":"invalid_grant","error_description":"Token is expired or revoked"})"));
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.api_code() == "invalid_grant");
  CHECK(status.message() == "Token is expired or revoked");

  Status with_errors = MapHttpError(Answer(
      401, R"({"error":"invalid_client","error_description":"Client authentication is required",)"
           R"("errors":[{"errorCode":"OAU-123","message":"Invalid Authorization header"}]})"));
  CHECK(with_errors.code() == StatusCode::kUnauthenticated);
  CHECK(with_errors.api_code() == "OAU-123");
}

TEST_CASE("MapHttpError names the 30-subscription limit on SUB-505", "[platform]") {
  Status status = MapHttpError(Answer(403, Fill(kNewShape, "SUB-505")));
  CHECK(status.code() == StatusCode::kPermissionDenied);
  CHECK(status.message().find("30 per user") != std::string::npos);
}

TEST_CASE("MapHttpError takes Retry-After from a 429, or 30 s", "[platform]") {
  Status given = MapHttpError(Answer(429, Fill(kNewShape, "CMN-301"), {{"retry-after", "12"}}));
  REQUIRE(given.retry_after().has_value());
  CHECK(*given.retry_after() == std::chrono::seconds(12));
  Status absent = MapHttpError(Answer(429, ""));
  CHECK(absent.code() == StatusCode::kResourceExhausted);
  CHECK(absent.retry_after() == std::chrono::seconds(30));
  Status garbage =
      MapHttpError(Answer(429, "", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}));
  CHECK(garbage.retry_after() == std::chrono::seconds(30));
  CHECK_FALSE(MapHttpError(Answer(503, "")).retry_after().has_value());
}

TEST_CASE("MapHttpError survives bodies that are not platform JSON", "[platform]") {
  Status html = MapHttpError(Answer(502, "<html>Bad gateway</html>"));
  CHECK(html.code() == StatusCode::kUnavailable);
  CHECK(html.api_code().empty());
  CHECK(html.message() == "platform answered HTTP 502");
  CHECK(html.message().find("html") == std::string::npos);
  CHECK(MapHttpError(Answer(302, "")).code() == StatusCode::kFailedPrecondition);

  const std::string long_message(1000, 'x');
  Status truncated = MapHttpError(
      Answer(400, R"({"errors":[{"errorCode":"CMN-101","message":")" + long_message + R"("}]})"));
  CHECK(truncated.message().size() < 260);
}

TEST_CASE("MapHttpError redacts a long credential before it cuts the message", "[platform]") {
  const std::string jwt = subkeeper::testing::LongJwt(1500);
  const std::string opaque = subkeeper::testing::LongOpaqueToken(1500);
  const Secret opaque_secret(opaque);
  // The credential starts well inside the first 200 bytes and runs far past them.
  const std::string body = R"({"errors":[{"errorCode":"OAU-140","message":"Invalid token )" + jwt +
                           " / " + opaque + R"("}]})";
  // JWT-shaped: recognised without being named. Opaque: named by the caller.
  Status status = MapHttpError(Answer(401, body), {&opaque_secret});
  CHECK(status.code() == StatusCode::kUnauthenticated);
  CHECK(status.api_code() == "OAU-140");
  CHECK(status.message().starts_with("Invalid token [redacted]"));
  CHECK(status.message().size() < 260);
  CHECK_FALSE(subkeeper::testing::HasFragment(status.ToString(), jwt));
  CHECK_FALSE(subkeeper::testing::HasFragment(status.ToString(), opaque));
}

}  // namespace
}  // namespace subkeeper::platform
