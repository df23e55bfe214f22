#include <catch2/catch.hpp>

#include "subkeeper/app/commands.h"
#include "subkeeper/common/time_format.h"

namespace subkeeper::app {
namespace {

TEST_CASE("replay --since takes an ISO 8601 time or an age back from now", "[app]") {
  const WallTime now = FromUnixMillis(1'700'000'000'000);
  CHECK(ParseSince("90s", now).value() == now - Seconds(90));
  CHECK(ParseSince("30m", now).value() == now - Seconds(1800));
  CHECK(ParseSince("6h", now).value() == now - Seconds(6 * 3600));
  CHECK(ParseSince("7d", now).value() == now - Seconds(7 * 86400));
  CHECK(FormatIso8601(ParseSince("2026-11-22T08:00:00Z", now).value()) ==
        "2026-11-22T08:00:00.000Z");
  for (const char* bad : {"", "h", "-5m", "5w", "yesterday", "1234567890d"}) {
    INFO(bad);
    auto parsed = ParseSince(bad, now);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find("--since") != std::string::npos);
  }
}

}  // namespace
}  // namespace subkeeper::app
