#include "subkeeper/platform/rate_limiter.h"

#include <catch2/catch.hpp>

#include "platform/platform_test_util.h"

namespace subkeeper::platform {
namespace {

using http::Headers;
using http::HttpResponse;

using std::chrono::seconds;

HttpResponse WithHeaders(int status, Headers headers) { return HttpResponse{status, headers, ""}; }

int AdmitUntilRefused(RateLimiter& limiter, const std::string& account, RateGroup group) {
  int admitted = 0;
  while (limiter.Admit(account, group).ok() && admitted < 1000) ++admitted;
  return admitted;
}

TEST_CASE("RateLimiter seeds the documented budgets", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kLight) == 50);
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kMedium) == 40);
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kHeavy) == 10);
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kAuth) == 5);
  // Accounts have their own budgets.
  CHECK(AdmitUntilRefused(limiter, "b", RateGroup::kAuth) == 5);
}

TEST_CASE("RateLimiter counts over a sliding window", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.Admit("a", RateGroup::kAuth).ok());
  clock.Advance(seconds(30));
  REQUIRE(AdmitUntilRefused(limiter, "a", RateGroup::kAuth) == 2);
  Status refused = limiter.Admit("a", RateGroup::kAuth);
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.retry_after() == seconds(30));  // when the oldest request leaves the window
  clock.Advance(seconds(29));
  CHECK_FALSE(limiter.Admit("a", RateGroup::kAuth).ok());
  clock.Advance(seconds(1));
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kAuth) == 3);
  clock.Advance(seconds(30));
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kAuth) == 2);
}

TEST_CASE("A 429 blocks only its group until Retry-After has passed", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  REQUIRE(limiter.Admit("a", RateGroup::kLight).ok());
  limiter.Observe("a", RateGroup::kLight, WithHeaders(429, {{"Retry-After", "45"}}));
  Status refused = limiter.Admit("a", RateGroup::kLight);
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.retry_after() == seconds(45));
  CHECK(limiter.Admit("a", RateGroup::kMedium).ok());
  CHECK(limiter.Admit("b", RateGroup::kLight).ok());
  clock.Advance(seconds(44));
  CHECK(limiter.Admit("a", RateGroup::kLight).retry_after() == seconds(1));
  clock.Advance(seconds(1));
  CHECK(limiter.Admit("a", RateGroup::kLight).ok());
}

TEST_CASE("A 429 without Retry-After blocks for 30 s", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  limiter.Observe("a", RateGroup::kMedium, WithHeaders(429, {}));
  CHECK(limiter.Admit("a", RateGroup::kMedium).retry_after() == seconds(30));
  clock.Advance(seconds(30));
  CHECK(limiter.Admit("a", RateGroup::kMedium).ok());
}

TEST_CASE("X-Rate-Limit headers correct the budget", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  REQUIRE(limiter.Admit("a", RateGroup::kLight).ok());
  limiter.Observe("a", RateGroup::kLight,
                  WithHeaders(200, {{"X-Rate-Limit-Group", "light"},
                                    {"X-Rate-Limit-Limit", "10"},
                                    {"X-Rate-Limit-Remaining", "3"},
                                    {"X-Rate-Limit-Window", "30"}}));
  auto snapshot = limiter.Snapshot();
  REQUIRE(snapshot.size() == 1);
  CHECK(snapshot[0].account == "a");
  CHECK(snapshot[0].group == RateGroup::kLight);
  CHECK(snapshot[0].limit == 10);
  CHECK(snapshot[0].remaining == 3);
  CHECK(snapshot[0].window == seconds(30));
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kLight) == 3);
  clock.Advance(seconds(30));
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kLight) == 10);
}

TEST_CASE("Remaining: 0 blocks the group until the window has passed", "[platform]") {
  ManualClock clock;
  RateLimiter limiter(clock);
  REQUIRE(limiter.Admit("a", RateGroup::kMedium).ok());
  limiter.Observe("a", RateGroup::kMedium,
                  WithHeaders(200, {{"x-rate-limit-limit", "40"},
                                    {"x-rate-limit-remaining", "0"},
                                    {"x-rate-limit-window", "60"}}));
  Status refused = limiter.Admit("a", RateGroup::kMedium);
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.retry_after() == seconds(60));
  auto snapshot = limiter.Snapshot();
  REQUIRE(snapshot.size() == 1);
  CHECK(snapshot[0].remaining == 0);
  CHECK(snapshot[0].blocked_until == clock.SteadyNow() + seconds(60));
  clock.Advance(seconds(59));
  CHECK_FALSE(limiter.Admit("a", RateGroup::kMedium).ok());
  clock.Advance(seconds(1));
  CHECK(limiter.Admit("a", RateGroup::kMedium).ok());
}

TEST_CASE("Blocks are saved as wall-clock penalties", "[platform]") {
  ManualClock clock;
  test::MemoryAccountState state;
  RateLimiter limiter(clock, &state);
  limiter.Observe("a", RateGroup::kLight, WithHeaders(429, {{"Retry-After", "45"}}));
  limiter.Observe(
      "b", RateGroup::kMedium,
      WithHeaders(200, {{"X-Rate-Limit-Remaining", "0"}, {"X-Rate-Limit-Window", "30"}}));
  limiter.Observe("a", RateGroup::kAuth, WithHeaders(200, {{"X-Rate-Limit-Remaining", "4"}}));
  const std::vector<RateBlock> expected = {{"a", RateGroup::kLight, clock.Now() + seconds(45)},
                                           {"b", RateGroup::kMedium, clock.Now() + seconds(30)}};
  CHECK(state.Blocks() == expected);
}

TEST_CASE("A restored limiter honours a persisted penalty", "[platform]") {
  ManualClock clock;
  test::MemoryAccountState state;
  {
    RateLimiter before(clock, &state);
    before.Observe("a", RateGroup::kLight, WithHeaders(429, {{"Retry-After", "45"}}));
  }
  clock.Advance(seconds(15));
  RateLimiter after(clock, &state);
  after.Restore();
  Status refused = after.Admit("a", RateGroup::kLight);
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.retry_after() == seconds(30));
  CHECK(after.Admit("a", RateGroup::kMedium).ok());
  clock.Advance(seconds(29));
  CHECK_FALSE(after.Admit("a", RateGroup::kLight).ok());
  clock.Advance(seconds(1));
  CHECK(after.Admit("a", RateGroup::kLight).ok());

  // Past penalties are ignored. (A group this build does not know never reaches the limiter:
  // the store skips its row, tests/store/sqlite_store_accounts_test.cc.)
  RateLimiter later(clock, &state);
  later.Restore();
  CHECK(later.Admit("a", RateGroup::kLight).ok());
  CHECK(later.Admit("c", RateGroup::kLight).ok());
}

// A shared budget that admits `left` more requests, then refuses with a wait (or fails).
class SharedBudget final : public AccountStateStore {
 public:
  Result<std::vector<AccountSnapshot>> LoadAccounts() override {
    return std::vector<AccountSnapshot>{};
  }
  Status SaveAccount(const AccountSnapshot&) override { return Status::OK(); }
  Result<std::vector<RateBlock>> LoadRateBlocks(WallTime) override {
    return std::vector<RateBlock>{};
  }
  Status SaveRateBlock(const RateBlock&) override { return Status::OK(); }
  Result<Millis> SpendRequest(std::string_view, RateGroup, int limit, Seconds window,
                              WallTime) override {
    ++asked;
    last_limit = limit;
    last_window = window;
    if (failing) return Status::Unavailable("store: connection lost");
    if (left == 0) return Millis(12'500);
    --left;
    return Millis(0);
  }
  int left = 0;
  bool failing = false;
  int asked = 0;
  int last_limit = 0;
  Seconds last_window{0};
};

TEST_CASE("A request is spent from the shared budget before it is sent; a refusal sends nothing",
          "[platform]") {
  ManualClock clock;
  SharedBudget shared;
  shared.left = 3;  // another keeper spent the rest of this window
  RateLimiter limiter(clock, &shared);
  CHECK(AdmitUntilRefused(limiter, "a", RateGroup::kLight) == 3);
  CHECK(shared.last_limit == 50);
  CHECK(shared.last_window == Seconds(60));
  const Status refused = limiter.Admit("a", RateGroup::kLight);
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.retry_after() == Seconds(13));  // the shared budget's wait, rounded up
  // The refused reservations were given back: the local window counts only the 3 sent.
  const auto limits = limiter.Snapshot();
  REQUIRE(limits.size() == 1);
  CHECK(limits[0].remaining == 47);

  SECTION("a store that cannot count refuses too") {
    shared.failing = true;
    CHECK(limiter.Admit("a", RateGroup::kLight).code() == StatusCode::kUnavailable);
    CHECK(limiter.Snapshot()[0].remaining == 47);
  }
}

}  // namespace
}  // namespace subkeeper::platform
