// Record, lease, history and event semantics of the SQLite store (in memory).
#include "subkeeper/store/sqlite_store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>

namespace subkeeper::store {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

WallTime At(int64_t ms) { return FromUnixMillis(ms); }

HistoryEntry Hist(std::string kind, std::string account = "", std::string name = "") {
  HistoryEntry h;
  h.kind = std::move(kind);
  h.account = std::move(account);
  h.name = std::move(name);
  return h;
}

HistoryQuery Query(std::string account, std::string name, int limit = 1000) {
  HistoryQuery q;
  q.account = std::move(account);
  q.name = std::move(name);
  q.limit = limit;
  return q;
}

std::unique_ptr<Store> OpenMemory(const Clock& clock) {
  auto store = OpenSqliteStore(":memory:", clock);
  REQUIRE(store.ok());
  return std::move(store).value();
}

SubscriptionRecord Minimal(std::string name) {
  SubscriptionRecord r;
  r.account = "main";
  r.name = std::move(name);
  return r;
}

// Every field set to a distinct non-default value.
SubscriptionRecord Full() {
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.event_filters = {"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
                     "/restapi/v1.0/account/~/presence \"quoted\" ünïcode"};
  r.expires_in_s = 604800;
  r.reminder = subscription::ReminderSpec{86400, 3600};
  r.address = "https://hooks.example.com/webhooks/main/sms";
  r.deliver_to = "http://app:3000/ringcentral/events";
  r.remote_id = "a1b2c3";
  r.status = "Blacklisted";
  r.remote_filters = {"/restapi/v1.0/account/37439510/extension/1234/message-store/instant"};
  r.disabled_filters = {"/restapi/v1.0/account/37439510/presence"};
  r.blacklisted_reason = "Webhook responses are too slow";
  r.granted_ttl_s = 604799;
  r.remote_created_at = At(1'700'000'000'123);
  r.expires_at = At(1'700'604'800'456);
  r.next_renewal_at = At(1'700'500'000'789);
  r.last_renewed_at = At(1'700'000'001'000);
  r.last_trigger = subscription::RenewedBy::kReminder;
  r.last_reminder_at = At(1'700'000'002'000);
  r.reminder_path_broken = true;
  r.create_uncertain = true;
  r.failures = 3;
  r.last_error = "unavailable: HTTP 503";
  r.last_error_at = At(1'700'000'003'000);
  return r;
}

TEST_CASE("Every subscription field round-trips", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  const SubscriptionRecord in = Full();
  REQUIRE(store->PutSubscription(in, std::nullopt).ok());

  auto got = store->GetSubscription("main", "sms");
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

TEST_CASE("Subscription states carry what conditions are derived from, in key order", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store->PutSubscription(Full(), std::nullopt).ok());
  REQUIRE(store->PutSubscription(Minimal("a-first"), std::nullopt).ok());
  auto states = store->ListSubscriptionStates();
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

TEST_CASE("A walk over subscription states visits every record once across chunk boundaries",
          "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  std::vector<std::string> expected;
  for (const char* account : {"a", "b", "c"}) {
    for (int i = 0; i < (std::string(account) == "b" ? 4 : 3); ++i) {
      SubscriptionRecord r = Minimal("sub-" + std::to_string(i));
      r.account = account;
      REQUIRE(store->PutSubscription(r, std::nullopt).ok());
      expected.push_back(r.account + "/" + r.name);
    }
  }
  REQUIRE(expected.size() == 10);
  // 3: chunks of 3, 3, 3, 1; 5: two full chunks and an empty third read; 1, 10, 11: the edges.
  for (int chunk : {1, 3, 5, 10, 11, store::kSubscriptionStateChunkRows}) {
    std::vector<std::string> seen;
    const Status walked = store->VisitSubscriptionStates(
        [&](const SubscriptionStateView& s) {
          seen.push_back(std::string(s.account) + "/" + std::string(s.name));
        },
        chunk);
    INFO("chunk " << chunk);
    CHECK(walked.ok());
    CHECK(seen == expected);
  }
  CHECK(store->VisitSubscriptionStates([](const SubscriptionStateView&) {}, 0).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("A walk over subscription states carries what conditions' statuses need", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store->PutSubscription(Full(), std::nullopt).ok());
  SubscriptionRecord plain = Minimal("voice");
  plain.status = "Active";
  plain.remote_id = "r-2";
  REQUIRE(store->PutSubscription(plain, std::nullopt).ok());
  std::vector<std::string> seen;
  REQUIRE(store
              ->VisitSubscriptionStates(
                  [&](const SubscriptionStateView& s) {
                    seen.push_back(std::string(s.name));
                    if (s.name == "sms") {
                      const SubscriptionRecord full = Full();
                      CHECK(s.account == full.account);
                      CHECK(s.remote_id == full.remote_id);
                      CHECK(s.status == full.status);
                      CHECK(s.delivery == subscription::DeliveryMode::kRelay);
                      CHECK(s.expires_at == full.expires_at);
                      CHECK(s.failures == full.failures);
                      CHECK(s.reminder_path_broken);
                      CHECK(s.filters_disabled);
                    } else {
                      CHECK(s.remote_id == "r-2");
                      CHECK(s.status == "Active");
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

TEST_CASE("A walk over subscription states lets writers in between chunks", "[store]") {
  // The visitor runs with no lock held, so it can write to the store itself: what it writes
  // between two chunks shows what a concurrent webhook commit would. The walk is not a snapshot:
  // a record added after the cursor is seen, one deleted before its chunk is not, none twice.
  ManualClock clock;
  auto store = OpenMemory(clock);
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
    REQUIRE(store->PutSubscription(Minimal(name), std::nullopt).ok());
  }
  std::vector<std::string> seen;
  int f_failures = -1;
  const Status walked = store->VisitSubscriptionStates(
      [&](const SubscriptionStateView& s) {
        seen.push_back(std::string(s.name));
        if (s.name == "f") f_failures = s.failures;
        if (s.name != "c") return;  // the last record of the first chunk
        REQUIRE(store->PutSubscription(Minimal("b2"), std::nullopt).ok());   // before: not seen
        REQUIRE(store->PutSubscription(Minimal("d2"), std::nullopt).ok());   // after: seen
        REQUIRE(store->DeleteSubscription("main", "e", std::nullopt).ok());  // after: not seen
        SubscriptionRecord failing = Minimal("f");
        failing.failures = 4;  // after: seen with its new state
        REQUIRE(store->PutSubscription(failing, std::nullopt).ok());
        REQUIRE(store->GetSubscription("main", "a").ok());  // a read does not deadlock either
      },
      3);
  REQUIRE(walked.ok());
  CHECK(seen == std::vector<std::string>{"a", "b", "c", "d", "d2", "f"});
  CHECK(f_failures == 4);
}

TEST_CASE("Put replaces a record, list is ordered, delete is idempotent", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store->PutSubscription(Minimal("voice"), std::nullopt).ok());
  REQUIRE(store->PutSubscription(Full(), std::nullopt).ok());
  SubscriptionRecord cleared = Minimal("sms");  // a later write clears fields it leaves empty
  clock.Advance(minutes(1));
  REQUIRE(store->PutSubscription(cleared, std::nullopt).ok());

  auto all = store->ListSubscriptions();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "sms");
  CHECK((*all)[0].remote_id.empty());
  CHECK((*all)[0].event_filters.empty());
  CHECK((*all)[0].updated_at == clock.Now());
  CHECK((*all)[1].name == "voice");

  REQUIRE(store->DeleteSubscription("main", "sms", std::nullopt).ok());
  CHECK_FALSE(store->GetSubscription("main", "sms").value().has_value());
  CHECK(store->DeleteSubscription("main", "sms", std::nullopt).ok());
  CHECK(store->PutSubscription(Minimal(""), std::nullopt).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Head pages walk every record once in account and name order", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
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
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  auto expected = keys;
  std::sort(expected.begin(), expected.end());

  for (int limit : {1, 2, 3, 7, 100}) {
    std::vector<std::pair<std::string, std::string>> walked;
    std::optional<SubscriptionKey> after;
    int pages = 0;
    for (;;) {
      auto page = store->ListSubscriptionHeads(after ? &*after : nullptr, limit);
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
  CHECK(store->ListSubscriptionHeads(&last, 5).value().empty());
  CHECK(store->ListSubscriptionHeads(nullptr, 0).status().code() == StatusCode::kInvalidArgument);
  CHECK(store->ListSubscriptionHeads(nullptr, -1).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Leases are taken, contended, expire and are released", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  const WallTime t0 = clock.Now();
  CHECK(store->TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).status().code() ==
        StatusCode::kNotFound);
  REQUIRE(store->PutSubscription(Minimal("sms"), std::nullopt).ok());

  CHECK(store->TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).value());
  CHECK_FALSE(store->TryAcquireLease("main", "sms", "b", t0, t0 + minutes(1)).value());
  // The holder may extend its own lease.
  CHECK(store->TryAcquireLease("main", "sms", "a", t0, t0 + minutes(2)).value());
  CHECK(store->GetSubscription("main", "sms").value()->lease_until == t0 + minutes(2));
  // Still held one millisecond before it ends; free from its end on.
  CHECK_FALSE(store
                  ->TryAcquireLease("main", "sms", "b",
                                    t0 + minutes(2) - std::chrono::milliseconds(1), t0 + minutes(3))
                  .value());
  CHECK(store->TryAcquireLease("main", "sms", "b", t0 + minutes(2), t0 + minutes(3)).value());
  CHECK(store->GetSubscription("main", "sms").value()->lease_owner == "b");

  // Only the holder releases.
  REQUIRE(store->ReleaseLease("main", "sms", "a").ok());
  CHECK(store->GetSubscription("main", "sms").value()->lease_owner == "b");
  REQUIRE(store->ReleaseLease("main", "sms", "b").ok());
  auto released = store->GetSubscription("main", "sms").value();
  CHECK(released->lease_owner.empty());
  CHECK(released->lease_until == WallTime{});
  CHECK(store->TryAcquireLease("main", "sms", "a", t0, t0 + minutes(1)).value());
}

TEST_CASE("Put keeps a lease held by someone", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  const WallTime t0 = clock.Now();
  REQUIRE(store->PutSubscription(Minimal("sms"), std::nullopt).ok());
  REQUIRE(store->TryAcquireLease("main", "sms", "renewer", t0, t0 + minutes(1)).value());

  SubscriptionRecord update = Full();  // carries no lease: it must not clear the stored one
  update.lease_owner = "intruder";
  update.lease_until = t0 + minutes(99);
  REQUIRE(store->PutSubscription(update, std::nullopt).ok());

  auto got = store->GetSubscription("main", "sms").value();
  CHECK(got->remote_id == "a1b2c3");
  CHECK(got->lease_owner == "renewer");
  CHECK(got->lease_until == t0 + minutes(1));
  CHECK_FALSE(store->TryAcquireLease("main", "sms", "other", t0, t0 + minutes(1)).value());
}

TEST_CASE("History is newest first, filtered, limited and written with the record", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store->PutSubscription(Minimal("sms"), Hist("created")).ok());
  clock.Advance(seconds(1));
  REQUIRE(store->PutSubscription(Minimal("voice"), Hist("created")).ok());
  clock.Advance(seconds(1));
  HistoryEntry renewed = Hist("renewed", "main", "sms");
  renewed.at = At(42);
  renewed.remote_id = "r1";
  renewed.trigger = subscription::RenewedBy::kReminder;
  renewed.detail = "ok";
  REQUIRE(store->AppendHistory(renewed).ok());
  REQUIRE(store->DeleteSubscription("main", "voice", Hist("deleted")).ok());

  auto all = store->ListHistory({});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK((*all)[0].kind == "deleted");
  CHECK((*all)[0].name == "voice");  // route filled in from the deleted key
  CHECK((*all)[1].kind == "renewed");
  CHECK((*all)[1].at == At(42));  // a given time is kept
  CHECK((*all)[1].trigger == subscription::RenewedBy::kReminder);
  CHECK((*all)[1].remote_id == "r1");
  CHECK((*all)[1].detail == "ok");
  CHECK((*all)[3].at == At(1'700'000'000'000));  // an unset time is stamped from the clock
  CHECK((*all)[0].id > (*all)[1].id);

  auto sms = store->ListHistory(Query("main", "sms")).value();
  REQUIRE(sms.size() == 2);
  CHECK(sms[0].kind == "renewed");
  CHECK(sms[1].kind == "created");
  CHECK(store->ListHistory(Query("other", "")).value().empty());
  auto newest = store->ListHistory(Query("", "", 1)).value();
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].kind == "deleted");
}

TEST_CASE("A failed Put writes neither the record nor its history", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  SubscriptionRecord bad = Minimal("sms");
  bad.event_filters = {std::string("\xff\xfe not utf-8")};
  CHECK(store->PutSubscription(bad, Hist("created")).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(store->GetSubscription("main", "sms").value().has_value());
  CHECK(store->ListHistory({}).value().empty());
}

EventRecord Event(std::string uuid, std::string name = "sms") {
  EventRecord e;
  e.uuid = std::move(uuid);
  e.account = "main";
  e.name = std::move(name);
  e.subscription_id = "a1b2c3";
  e.event = "/restapi/v1.0/account/1/extension/2/message-store/instant?type=SMS";
  e.body = R"({"uuid":")" + e.uuid + R"("})";
  e.received_at = At(1'700'000'000'500);
  return e;
}

TEST_CASE("Events are deduplicated on uuid within and across batches", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  auto first = store->InsertEvents({Event("u1"), Event("u2"), Event("u1")});
  REQUIRE(first.ok());
  CHECK(*first == std::vector<InsertOutcome>{InsertOutcome::kInserted, InsertOutcome::kInserted,
                                             InsertOutcome::kDuplicate});
  auto second = store->InsertEvents({Event("u2"), Event("u3")});
  REQUIRE(second.ok());
  CHECK(*second == std::vector<InsertOutcome>{InsertOutcome::kDuplicate, InsertOutcome::kInserted});

  auto events = store->ListEvents("", "", "", 0).value();
  REQUIRE(events.size() == 3);
  CHECK(events[0].uuid == "u1");
  CHECK(events[1].uuid == "u2");
  CHECK(events[2].uuid == "u3");
  CHECK(events[0].seq < events[1].seq);
  CHECK(events[1].seq < events[2].seq);

  CHECK(store->InsertEvents({Event("u4"), Event("")}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(store->ListEvents("", "", "", 0).value().size() == 3);  // nothing of that batch stored
  CHECK(store->InsertEvents({}).value().empty());
}

TEST_CASE("An event body with arbitrary bytes round-trips exactly", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  body += std::string("\0\0tail\xff", 7);
  EventRecord in = Event("bytes");
  in.body = body;
  in.kind = "reminder";
  in.relay_state = "none";
  in.attempts = 7;
  in.next_attempt_at = At(1'700'000'009'000);
  EventRecord empty_body = Event("empty");
  empty_body.body.clear();
  REQUIRE(store->InsertEvents({in, empty_body}).ok());

  auto events = store->ListEvents("main", "sms", "", 10).value();
  REQUIRE(events.size() == 2);
  const EventRecord& out = events[0];
  CHECK(out.body.size() == body.size());
  CHECK(out.body == body);
  CHECK(out.subscription_id == in.subscription_id);
  CHECK(out.event == in.event);
  CHECK(out.received_at == in.received_at);
  CHECK(out.kind == "reminder");
  CHECK(out.relay_state == "none");
  CHECK(out.attempts == 7);
  CHECK(out.next_attempt_at == in.next_attempt_at);
  CHECK(events[1].body.empty());
}

TEST_CASE("ListEvents filters by route and relay state and limits", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  EventRecord reminder = Event("r1");
  reminder.relay_state = "none";
  REQUIRE(store->InsertEvents({Event("s1"), Event("v1", "voice"), reminder, Event("s2")}).ok());

  auto uuids = [](const std::vector<EventRecord>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.uuid);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(uuids(store->ListEvents("main", "sms", "", 0).value()) == V{"s1", "r1", "s2"});
  CHECK(uuids(store->ListEvents("main", "sms", "pending", 0).value()) == V{"s1", "s2"});
  CHECK(uuids(store->ListEvents("", "", "pending", 0).value()) == V{"s1", "v1", "s2"});
  CHECK(uuids(store->ListEvents("main", "voice", "", 0).value()) == V{"v1"});
  CHECK(uuids(store->ListEvents("", "", "", 2).value()) == V{"s1", "v1"});
}

TEST_CASE("The store serialises concurrent writers on its one connection", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string uuid = std::to_string(t) + "-" + std::to_string(i);
        if (!store->InsertEvents({Event(uuid)}).ok()) ++failures;
        if (!store->AppendHistory(Hist("renewed", "main", "sms")).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(store->ListEvents("", "", "", 0).value().size() == kThreads * kPerThread);
  CHECK(store->ListHistory(Query("", "", 0)).value().size() == kThreads * kPerThread);
}

}  // namespace
}  // namespace subkeeper::store
