// The SubscriptionStore contract for the renewal schedule: order, paging, moves. Runs against
// every implementation (registry.h).
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

void PutTimer(SubscriptionStore& store, std::string account, std::string name, int64_t next_ms) {
  SubscriptionRecord r;
  r.account = std::move(account);
  r.name = std::move(name);
  r.next_renewal_at = At(next_ms);
  REQUIRE(store.PutSubscription(r, std::nullopt).ok());
}

ScheduleEntry Entry(std::string account, std::string name, int64_t next_ms) {
  return ScheduleEntry{std::move(account), std::move(name), At(next_ms)};
}

std::vector<ScheduleEntry> Page(SubscriptionStore& store, const std::optional<ScheduleEntry>& after,
                                int limit) {
  auto page = store.ListSchedule(after, limit);
  REQUIRE(page.ok());
  return std::move(page).value();
}

// Records with ties on the time (broken by account, then name) and one without a timer.
void PutScheduleFixture(SubscriptionStore& store) {
  PutTimer(store, "b", "x", 2000);
  PutTimer(store, "a", "z", 3000);
  PutTimer(store, "a", "y", 2000);
  PutTimer(store, "a", "x", 2000);
  PutTimer(store, "c", "unset", 0);
  PutTimer(store, "c", "early", 1000);
}

const std::vector<ScheduleEntry> kFixtureOrder = {
    Entry("c", "early", 1000), Entry("a", "x", 2000), Entry("a", "y", 2000),
    Entry("b", "x", 2000),     Entry("a", "z", 3000),
};

STORE_CONTRACT_TEST("The schedule is ordered by time then account then name without unset timers",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  CHECK(Page(subscriptions, std::nullopt, 10).empty());
  PutScheduleFixture(subscriptions);
  CHECK(Page(subscriptions, std::nullopt, 10) == kFixtureOrder);
  CHECK(Page(subscriptions, std::nullopt, 2) ==
        std::vector<ScheduleEntry>(kFixtureOrder.begin(), kFixtureOrder.begin() + 2));
  CHECK(subscriptions.ListSchedule(std::nullopt, 0).status().code() ==
        StatusCode::kInvalidArgument);
}

STORE_CONTRACT_TEST("Schedule pages resume strictly after the cursor across ties", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  PutScheduleFixture(subscriptions);
  std::vector<ScheduleEntry> walked;
  std::optional<ScheduleEntry> after;
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = Page(subscriptions, after, 2);
    if (page.empty()) break;
    walked.insert(walked.end(), page.begin(), page.end());
    after = page.back();
  }
  CHECK(walked == kFixtureOrder);

  // The cursor need not be a stored record: it is a position in the order.
  CHECK(Page(subscriptions, Entry("a", "xx", 2000), 10) ==
        std::vector<ScheduleEntry>(kFixtureOrder.begin() + 2, kFixtureOrder.end()));
  CHECK(Page(subscriptions, Entry("", "", 2001), 10) ==
        std::vector<ScheduleEntry>{kFixtureOrder.back()});
  CHECK(Page(subscriptions, kFixtureOrder.back(), 10).empty());
}

STORE_CONTRACT_TEST(
    "A record moves in the schedule when its timer changes and leaves it when unset", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  PutScheduleFixture(subscriptions);
  PutTimer(subscriptions, "a", "z", 500);
  PutTimer(subscriptions, "c", "early", 0);
  REQUIRE(subscriptions.DeleteSubscription("b", "x", std::nullopt).ok());
  CHECK(Page(subscriptions, std::nullopt, 10) == std::vector<ScheduleEntry>{Entry("a", "z", 500),
                                                                            Entry("a", "x", 2000),
                                                                            Entry("a", "y", 2000)});
}

}  // namespace
}  // namespace subkeeper::store::conformance
