// The SubscriptionStore contract for state reads: the list and the chunked walk /metrics uses.
// Runs against every implementation (registry.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

STORE_CONTRACT_TEST("Subscription states carry what conditions are derived from, in key order",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  REQUIRE(subscriptions.PutSubscription(Full(), std::nullopt).ok());
  REQUIRE(subscriptions.PutSubscription(Minimal("a-first"), std::nullopt).ok());
  auto states = subscriptions.ListSubscriptionStates();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].name == "a-first");
  const SubscriptionRecord& s = (*states)[1];
  const SubscriptionRecord full = Full();
  CHECK(s.account == full.account);
  CHECK(s.name == full.name);
  CHECK(s.remote_id == full.remote_id);
  CHECK(s.status == full.status);
  CHECK(s.expires_at == full.expires_at);
  CHECK(s.failures == full.failures);
  CHECK(s.last_error == full.last_error);
  CHECK(s.blacklisted_reason == full.blacklisted_reason);
  CHECK(s.reminder == full.reminder);
  CHECK(s.reminder_path_broken);
  CHECK(s.disabled_filters == full.disabled_filters);
  // What a scrape does not need is not read.
  CHECK(s.event_filters.empty());
  CHECK(s.remote_filters.empty());
  CHECK(s.address.empty());
  CHECK(s.next_renewal_at == WallTime{});
}

STORE_CONTRACT_TEST(
    "A walk over subscription states visits every record once across chunk boundaries", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  std::vector<std::string> expected;
  for (const char* account : {"a", "b", "c"}) {
    for (int i = 0; i < (std::string(account) == "b" ? 4 : 3); ++i) {
      SubscriptionRecord r = Minimal("sub-" + std::to_string(i));
      r.account = account;
      REQUIRE(subscriptions.PutSubscription(r, std::nullopt).ok());
      expected.push_back(r.account + "/" + r.name);
    }
  }
  REQUIRE(expected.size() == 10);
  // 3: chunks of 3, 3, 3, 1; 5: two full chunks and an empty third read; 1, 10, 11: the edges.
  for (int chunk : {1, 3, 5, 10, 11, store::kSubscriptionStateChunkRows}) {
    std::vector<std::string> seen;
    const Status walked = subscriptions.VisitSubscriptionStates(
        [&](const SubscriptionStateView& s) {
          seen.push_back(std::string(s.account) + "/" + std::string(s.name));
        },
        chunk);
    INFO("chunk " << chunk);
    CHECK(walked.ok());
    CHECK(seen == expected);
  }
  CHECK(subscriptions.VisitSubscriptionStates([](const SubscriptionStateView&) {}, 0).code() ==
        StatusCode::kInvalidArgument);
}

STORE_CONTRACT_TEST("A walk over subscription states carries what conditions' statuses need",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  REQUIRE(subscriptions.PutSubscription(Full(), std::nullopt).ok());
  SubscriptionRecord plain = Minimal("voice");
  plain.status = subkeeper::platform::RemoteStatus::Of("Active");
  plain.remote_id = "r-2";
  REQUIRE(subscriptions.PutSubscription(plain, std::nullopt).ok());
  std::vector<std::string> seen;
  REQUIRE(subscriptions
              .VisitSubscriptionStates(
                  [&](const SubscriptionStateView& s) {
                    seen.push_back(std::string(s.name));
                    if (s.name == "sms") {
                      const SubscriptionRecord full = Full();
                      CHECK(s.account == full.account);
                      CHECK(s.remote_id == full.remote_id);
                      CHECK(s.status == full.status.kind());
                      CHECK(s.delivery == subscription::DeliveryMode::kRelay);
                      CHECK(s.expires_at == full.expires_at);
                      CHECK(s.failures == full.failures);
                      CHECK(s.reminder_path_broken);
                      CHECK(s.filters_disabled);
                    } else {
                      CHECK(s.remote_id == "r-2");
                      CHECK(s.status == subkeeper::platform::RemoteStatus::Kind::kActive);
                      CHECK(s.delivery == subscription::DeliveryMode::kDirect);
                      CHECK(s.expires_at == WallTime{});
                      CHECK(s.failures == 0);
                      CHECK_FALSE(s.reminder_path_broken);
                      CHECK_FALSE(s.filters_disabled);
                    }
                  },
                  1)
              .ok());
  CHECK(seen == std::vector<std::string>{"sms", "voice"});
}

STORE_CONTRACT_TEST("A walk over subscription states lets writers in between chunks", "[store]") {
  // The visitor runs with no lock held, so it can write to the store itself: what it writes
  // between two chunks shows what a concurrent webhook commit would. The walk is not a snapshot:
  // a record added after the cursor is seen, one deleted before its chunk is not, none twice.
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    REQUIRE(subscriptions.PutSubscription(Minimal(name), std::nullopt).ok());
  }
  std::vector<std::string> seen;
  int f_failures = -1;
  const Status walked = subscriptions.VisitSubscriptionStates(
      [&](const SubscriptionStateView& s) {
        seen.push_back(std::string(s.name));
        if (s.name == "f") f_failures = s.failures;
        if (s.name != "c") return;  // the last record of the first chunk
        REQUIRE(
            subscriptions.PutSubscription(Minimal("b2"), std::nullopt).ok());  // before: not seen
        REQUIRE(subscriptions.PutSubscription(Minimal("d2"), std::nullopt).ok());  // after: seen
        REQUIRE(
            subscriptions.DeleteSubscription("main", "e", std::nullopt).ok());  // after: not seen
        SubscriptionRecord failing = Minimal("f");
        failing.failures = 4;  // after: seen with its new state
        REQUIRE(subscriptions.PutSubscription(failing, std::nullopt).ok());
        REQUIRE(
            subscriptions.GetSubscription("main", "a").ok());  // a read does not deadlock either
      },
      3);
  REQUIRE(walked.ok());
  CHECK(seen == std::vector<std::string>{"a", "b", "c", "d", "d2", "f"});
  CHECK(f_failures == 4);
}

}  // namespace
}  // namespace subkeeper::store::conformance
