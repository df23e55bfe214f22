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

namespace subkeeper {
namespace {

TEST_CASE("ParseIso8601 refuses dates that do not exist or would overflow the clock", "[common]") {
  for (const char* bad :
       {"4032-01-01T00:00:00Z", "1008-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-01-01T00:00:00-25:00", "2026-01-01T00:00:00+01:60"}) {
    INFO(bad);
    CHECK_FALSE(ParseIso8601(bad).ok());
  }
  CHECK(ParseIso8601("2024-02-29T00:00:00Z").ok());
  CHECK(ParseIso8601("2200-12-31T23:59:59+23:59").ok());
  const auto garbage = ParseIso8601(
      "\n\xff"
      "2026");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().message().find('\n') == std::string::npos);
  CHECK(garbage.status().message().find("\\x0A\\xFF") != std::string::npos);
}

}  // namespace
}  // namespace subkeeper
