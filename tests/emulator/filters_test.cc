#include "rcemu/filters.h"

#include <catch2/catch.hpp>

#include "rcemu/rate_limiter.h"

namespace rcemu {
namespace {

TEST_CASE("reminder filter parsing and rules", "[emulator]") {
  auto r = ParseReminderFilter("/restapi/v1.0/subscription/~?threshold=60&interval=15");
  REQUIRE(r);
  CHECK(r->threshold_s == 60);
  CHECK(r->interval_s == 15);
  CHECK(ReminderRulesHold(*r, 120, 5));
  CHECK_FALSE(ReminderRulesHold(*r, 119, 5));    // T > TTL/2
  CHECK_FALSE(ReminderRulesHold(*r, 3600, 20));  // I below the job interval
  auto wide = ParseReminderFilter("/restapi/v1.0/subscription/~?threshold=60&interval=31");
  REQUIRE(wide);
  CHECK_FALSE(ReminderRulesHold(*wide, 3600, 5));  // I > T/2
  CHECK(IsReminderFilter("/restapi/v1.0/subscription/~?threshold=x"));
  CHECK_FALSE(ParseReminderFilter("/restapi/v1.0/subscription/~?threshold=x&interval=5"));
  CHECK_FALSE(ParseReminderFilter("/restapi/v1.0/subscription/~?threshold=60"));
  CHECK_FALSE(ParseReminderFilter("/restapi/v1.0/subscription/~"));
  CHECK_FALSE(IsReminderFilter("/restapi/v1.0/account/~/extension/~/presence"));
}

TEST_CASE("tilde rewriting touches account and extension segments only", "[emulator]") {
  CHECK(RewriteFilter("/restapi/v1.0/account/~/extension/~/presence", "123", "456") ==
        "/restapi/v1.0/account/123/extension/456/presence");
  CHECK(RewriteFilter("/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS", "1",
                      "2") == "/restapi/v1.0/account/1/extension/2/message-store/instant?type=SMS");
  CHECK(RewriteFilter("/restapi/v1.0/subscription/~?threshold=60&interval=15", "1", "2") ==
        "/restapi/v1.0/subscription/~?threshold=60&interval=15");
}

TEST_CASE("webhook address must be an http(s) URL", "[emulator]") {
  CHECK(IsHttpUrl("http://127.0.0.1:8080/webhooks/a/b"));
  CHECK(IsHttpUrl("https://hooks.example.com"));
  CHECK_FALSE(IsHttpUrl("ftp://example.com/x"));
  CHECK_FALSE(IsHttpUrl("http:///path"));
  CHECK_FALSE(IsHttpUrl("hooks.example.com"));
}

TEST_CASE("rate limiter window, penalty and penalty restart", "[emulator]") {
  RateLimits limits;
  limits.light = 2;
  RateLimiter limiter(limits, Seconds(60));
  const WallTime t0(Seconds(1'000'000));
  CHECK(limiter.Admit("u", RateGroup::kLight, t0).remaining == 1);
  CHECK(limiter.Admit("u", RateGroup::kLight, t0).remaining == 0);
  CHECK(limiter.Admit("v", RateGroup::kLight, t0).allowed);   // other user
  CHECK(limiter.Admit("u", RateGroup::kMedium, t0).allowed);  // other group
  auto over = limiter.Admit("u", RateGroup::kLight, t0 + Seconds(1));
  CHECK_FALSE(over.allowed);
  CHECK_FALSE(over.in_penalty);
  // Inside the penalty: rejected and the penalty restarts from this request.
  auto trapped = limiter.Admit("u", RateGroup::kLight, t0 + Seconds(50));
  CHECK_FALSE(trapped.allowed);
  CHECK(trapped.in_penalty);
  CHECK(limiter.Admit("u", RateGroup::kLight, t0 + Seconds(109)).in_penalty);
  CHECK(limiter.Admit("u", RateGroup::kLight, t0 + Seconds(170)).allowed);
}

}  // namespace
}  // namespace rcemu
