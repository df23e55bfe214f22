// The SubscriptionStore contract for records: round trips, replacement, head pages and leases.
// Runs against every implementation (registry.h).
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <tuple>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

using std::chrono::minutes;

STORE_CONTRACT_TEST("Every subscription field round-trips", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  const SubscriptionRecord in = Full();
  REQUIRE(subscriptions.PutSubscription(in, std::nullopt).ok());

  auto got = subscriptions.GetSubscription("main", "sms");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  SubscriptionRecord expected = in;
  expected.updated_at = clock.Now();
  const SubscriptionRecord& out = **got;
  CHECK(out.event_filters == expected.event_filters);
  CHECK(out.remote_filters == expected.remote_filters);
  CHECK(out.disabled_filters == expected.disabled_filters);
  CHECK(out.remote_created_at == expected.remote_created_at);
  CHECK(out.expires_at == expected.expires_at);
  CHECK(out.next_renewal_at == expected.next_renewal_at);
  CHECK(out.last_reminder_at == expected.last_reminder_at);
  CHECK(out.last_error_at == expected.last_error_at);
  CHECK(out.updated_at == expected.updated_at);
  CHECK(out.reminder_path_broken);
  CHECK(out.create_uncertain);
  CHECK(out.failures == 3);
  // Field-by-field checks above make failures readable; this one catches a field added later.
  auto same = [](const SubscriptionRecord& a, const SubscriptionRecord& b) {
    return std::tie(a.account, a.name, a.event_filters, a.expires_in_s, a.reminder, a.address,
                    a.deliver_to, a.remote_id, a.status, a.remote_filters, a.disabled_filters,
                    a.blacklisted_reason, a.granted_ttl_s, a.remote_created_at, a.expires_at,
                    a.next_renewal_at, a.last_renewed_at, a.last_trigger, a.last_reminder_at,
                    a.reminder_path_broken, a.create_uncertain, a.failures, a.last_error,
                    a.last_error_at, a.lease_owner, a.lease_until, a.updated_at) ==
           std::tie(b.account, b.name, b.event_filters, b.expires_in_s, b.reminder, b.address,
                    b.deliver_to, b.remote_id, b.status, b.remote_filters, b.disabled_filters,
                    b.blacklisted_reason, b.granted_ttl_s, b.remote_created_at, b.expires_at,
                    b.next_renewal_at, b.last_renewed_at, b.last_trigger, b.last_reminder_at,
                    b.reminder_path_broken, b.create_uncertain, b.failures, b.last_error,
                    b.last_error_at, b.lease_owner, b.lease_until, b.updated_at);
  };
  CHECK(same(out, expected));
}

STORE_CONTRACT_TEST("A status word the platform invented is kept as it was said", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionRecord in = Full();
  in.status = platform::RemoteStatus::Of("Blocked");
  REQUIRE(store->PutSubscription(in, std::nullopt).ok());
  auto got = store->GetSubscription("main", "sms");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->status.kind() == platform::RemoteStatus::Kind::kOther);
  CHECK((*got)->status.word() == "Blocked");
}

STORE_CONTRACT_TEST("Put replaces a record, list is ordered, delete is idempotent", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  REQUIRE(subscriptions.PutSubscription(Minimal("voice"), std::nullopt).ok());
  REQUIRE(subscriptions.PutSubscription(Full(), std::nullopt).ok());
  SubscriptionRecord cleared = Minimal("sms");  // a later write clears fields it leaves empty
  clock.Advance(minutes(1));
  REQUIRE(subscriptions.PutSubscription(cleared, std::nullopt).ok());

  auto all = subscriptions.ListSubscriptions();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "sms");
  CHECK((*all)[0].remote_id.empty());
  CHECK((*all)[0].event_filters.empty());
  CHECK((*all)[0].updated_at == clock.Now());
  CHECK((*all)[1].name == "voice");

  REQUIRE(subscriptions.DeleteSubscription("main", "sms", std::nullopt).ok());
  CHECK_FALSE(subscriptions.GetSubscription("main", "sms").value().has_value());
  CHECK(subscriptions.DeleteSubscription("main", "sms", std::nullopt).ok());
  CHECK(subscriptions.PutSubscription(Minimal(""), std::nullopt).code() ==
        StatusCode::kInvalidArgument);
}

STORE_CONTRACT_TEST("Head pages walk every record once in account and name order", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  // Inserted out of order; "a/b" and "a b" sort differently from "account/name" strings, so the
  // walk must compare (account, name) as a pair.
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"b", "x"}, {"a", "z"}, {"a b", "a"}, {"a", "a"}, {"c", "m"}, {"a", "m"}, {"b", "a"}};
  for (const auto& [account, name] : keys) {
    SubscriptionRecord r = Full();  // every field set: the head carries exactly its own
    r.account = account;
    r.name = name;
    r.remote_id = "id-" + account + "-" + name;
    r.token_fingerprint = "fp-" + name;
    REQUIRE(subscriptions.PutSubscription(r, std::nullopt).ok());
  }
  auto expected = keys;
  std::sort(expected.begin(), expected.end());

  for (int limit : {1, 2, 3, 7, 100}) {
    std::vector<std::pair<std::string, std::string>> walked;
    std::optional<SubscriptionKey> after;
    int pages = 0;
    for (;;) {
      auto page = subscriptions.ListSubscriptionHeads(after ? &*after : nullptr, limit);
      REQUIRE(page.ok());
      REQUIRE(page->size() <= static_cast<size_t>(limit));
      ++pages;
      for (const auto& head : *page) {
        walked.emplace_back(head.account, head.name);
        CHECK(head.remote_id == "id-" + head.account + "-" + head.name);
        CHECK(head.token_fingerprint == "fp-" + head.name);
        CHECK(head.reminder == Full().reminder);
      }
      if (page->size() < static_cast<size_t>(limit)) break;
      after = SubscriptionKey{page->back().account, page->back().name};
    }
    INFO("limit " << limit);
    CHECK(walked == expected);
    CHECK(pages == static_cast<int>(expected.size()) / limit + 1);
  }
  // Past the last key: empty, not an error.
  const SubscriptionKey last{"c", "m"};
  CHECK(subscriptions.ListSubscriptionHeads(&last, 5).value().empty());
  CHECK(subscriptions.ListSubscriptionHeads(nullptr, 0).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(subscriptions.ListSubscriptionHeads(nullptr, -1).status().code() ==
        StatusCode::kInvalidArgument);
}

STORE_CONTRACT_TEST("Leases are taken, contended, expire and are released", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  const WallTime t0 = clock.Now();
  CHECK(subscriptions.TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).status().code() ==
        StatusCode::kNotFound);
  REQUIRE(subscriptions.PutSubscription(Minimal("sms"), std::nullopt).ok());

  CHECK(subscriptions.TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).value());
  CHECK_FALSE(subscriptions.TryAcquireLease("main", "sms", "b", t0, t0 + minutes(1)).value());
  // The holder may extend its own lease.
  CHECK(subscriptions.TryAcquireLease("main", "sms", "a", t0, t0 + minutes(2)).value());
  CHECK(subscriptions.GetSubscription("main", "sms").value()->lease_until == t0 + minutes(2));
  // Still held one millisecond before it ends; free from its end on.
  CHECK_FALSE(subscriptions
                  .TryAcquireLease("main", "sms", "b",
                                   t0 + minutes(2) - std::chrono::milliseconds(1), t0 + minutes(3))
                  .value());
  CHECK(
      subscriptions.TryAcquireLease("main", "sms", "b", t0 + minutes(2), t0 + minutes(3)).value());
  CHECK(subscriptions.GetSubscription("main", "sms").value()->lease_owner == "b");

  // Only the holder releases.
  REQUIRE(subscriptions.ReleaseLease("main", "sms", "a").ok());
  CHECK(subscriptions.GetSubscription("main", "sms").value()->lease_owner == "b");
  REQUIRE(subscriptions.ReleaseLease("main", "sms", "b").ok());
  auto released = subscriptions.GetSubscription("main", "sms").value();
  CHECK(released->lease_owner.empty());
  CHECK(released->lease_until == WallTime{});
  CHECK(subscriptions.TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).value());
}

STORE_CONTRACT_TEST("Put keeps a lease held by someone", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  const WallTime t0 = clock.Now();
  REQUIRE(subscriptions.PutSubscription(Minimal("sms"), std::nullopt).ok());
  REQUIRE(subscriptions.TryAcquireLease("main", "sms", "renewer", t0, t0 + minutes(1)).value());

  SubscriptionRecord update = Full();  // carries no lease: it must not clear the stored one
  update.lease_owner = "intruder";
  update.lease_until = t0 + minutes(99);
  REQUIRE(subscriptions.PutSubscription(update, std::nullopt).ok());

  auto got = subscriptions.GetSubscription("main", "sms").value();
  CHECK(got->remote_id == "a1b2c3");
  CHECK(got->lease_owner == "renewer");
  CHECK(got->lease_until == t0 + minutes(1));
  CHECK_FALSE(subscriptions.TryAcquireLease("main", "sms", "other", t0, t0 + minutes(1)).value());
}

STORE_CONTRACT_TEST("create_uncertain round-trips through Put Get and List", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.create_uncertain = true;
  REQUIRE(subscriptions.PutSubscription(r, std::nullopt).ok());
  CHECK(subscriptions.GetSubscription("main", "sms").value()->create_uncertain);
  CHECK(subscriptions.ListSubscriptions().value().at(0).create_uncertain);
  r.create_uncertain = false;
  REQUIRE(subscriptions.PutSubscription(r, std::nullopt).ok());
  CHECK_FALSE(subscriptions.GetSubscription("main", "sms").value()->create_uncertain);
}

}  // namespace
}  // namespace subkeeper::store::conformance
