#include "subkeeper/common/time_format.h"

#include <catch2/catch.hpp>

namespace subkeeper {
namespace {

TEST_CASE("ISO 8601 round-trips with milliseconds in UTC", "[common]") {
  auto t = ParseIso8601("2016-04-06T11:16:23.177Z");
  REQUIRE(t.ok());
  CHECK(ToUnixMillis(*t) == 1459941383177);
  CHECK(FormatIso8601(*t) == "2016-04-06T11:16:23.177Z");
}

TEST_CASE("ISO 8601 accepts offsets and truncates extra fraction digits", "[common]") {
  CHECK(ToUnixMillis(*ParseIso8601("2020-08-04T16:53:59.6429+02:00")) ==
        ToUnixMillis(*ParseIso8601("2020-08-04T14:53:59.642Z")));
  CHECK(ToUnixMillis(*ParseIso8601("1970-01-01T00:00:01Z")) == 1000);
}

TEST_CASE("ISO 8601 rejects malformed input with the input named", "[common]") {
  for (const char* bad : {"", "2016-04-06", "2016-13-06T11:16:23Z", "2016-04-06T11:16:23",
                          "2016-04-06T11:16:23.Z", "2016-04-06T11:16:23Zjunk"}) {
    auto r = ParseIso8601(bad);
    CHECK_FALSE(r.ok());
  }
  CHECK(ParseIso8601("nope").status().message().find("'nope'") != std::string::npos);
}

}  // namespace
}  // namespace subkeeper
