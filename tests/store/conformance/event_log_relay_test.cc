// The EventLog as the relay's outbox: heads, delivery outcomes, replay, pruning and counts. Runs
// against every implementation (registry.h).
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

EventRecord Event(std::string uuid, std::string account, std::string name,
                  std::string_view relay_state = "pending", int64_t received_ms = 1000) {
  EventRecord e;
  e.uuid = std::move(uuid);
  e.account = std::move(account);
  e.name = std::move(name);
  e.body = "{}";
  e.relay_state = ParseRelayState(relay_state).value();
  e.received_at = At(received_ms);
  return e;
}

std::vector<std::string> Uuids(const std::vector<EventRecord>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.uuid);
  return out;
}

using V = std::vector<std::string>;

std::vector<EventRecord> All(EventLog& store) {
  auto events = store.ListEvents("", "", std::nullopt, 0);
  REQUIRE(events.ok());
  return std::move(events).value();
}

// seq of the stored event `uuid`.
int64_t SeqOf(EventLog& store, const std::string& uuid) {
  for (const EventRecord& e : All(store)) {
    if (e.uuid == uuid) return e.seq;
  }
  FAIL("no event " << uuid);
  return 0;
}

std::string StateOf(EventLog& store, const std::string& uuid) {
  for (const EventRecord& e : All(store)) {
    if (e.uuid == uuid) return std::string(RelayStateText(e.relay_state));
  }
  return "(absent)";
}

RelayUpdate Delivered() {
  RelayUpdate u;
  u.relay_state = store::RelayState::kDelivered;
  u.attempts = 1;
  u.delivered_at = At(5000);
  return u;
}

STORE_CONTRACT_TEST("Relay heads are each subscription's lowest pending seq, in seq order",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  // Alphabetical order of the routes differs from arrival order on purpose.
  REQUIRE(event_log
              .InsertEvents({Event("z1", "zeta", "sms"), Event("m1", "main", "voice"),
                             Event("r1", "main", "sms", "none"), Event("m2", "main", "sms"),
                             Event("a1", "alpha", "sms", "dead"), Event("m3", "main", "sms"),
                             Event("a2", "alpha", "x"), Event("z2", "zeta", "sms"),
                             Event("d1", "done", "sms", "delivered")})
              .ok());
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"z1", "m1", "m2", "a2"});

  // Delivering a head exposes the next pending event of that subscription only.
  REQUIRE(event_log.UpdateRelay(SeqOf(event_log, "m2"), Delivered()).ok());
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"z1", "m1", "m3", "a2"});
  REQUIRE(event_log.UpdateRelay(SeqOf(event_log, "m3"), Delivered()).ok());
  REQUIRE(event_log.UpdateRelay(SeqOf(event_log, "z1"), Delivered()).ok());
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"m1", "a2", "z2"});

  // A retried head stays the head: later events of its subscription wait behind it.
  RelayUpdate retry;
  retry.relay_state = store::RelayState::kPending;
  retry.attempts = 1;
  retry.next_attempt_at = At(9000);
  retry.last_error = "HTTP 500";
  REQUIRE(event_log.UpdateRelay(SeqOf(event_log, "m1"), retry).ok());
  const auto heads = event_log.ListRelayHeads().value();
  REQUIRE(Uuids(heads) == V{"m1", "a2", "z2"});
  CHECK(heads[0].attempts == 1);
  CHECK(heads[0].next_attempt_at == At(9000));
  CHECK(heads[0].last_error == "HTTP 500");
}

STORE_CONTRACT_TEST("No pending event means no heads", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  CHECK(event_log.ListRelayHeads().value().empty());
  REQUIRE(event_log.InsertEvents({Event("r1", "main", "sms", "none")}).ok());
  CHECK(event_log.ListRelayHeads().value().empty());
}

STORE_CONTRACT_TEST("UpdateRelay writes every outcome field and rejects unknown events and states",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  REQUIRE(event_log.InsertEvents({Event("u1", "main", "sms")}).ok());
  const int64_t seq = SeqOf(event_log, "u1");

  RelayUpdate dead;
  dead.relay_state = store::RelayState::kDead;
  dead.attempts = 12;
  dead.next_attempt_at = At(7000);
  dead.last_error = "connection refused";
  dead.delivered_at = At(0);
  REQUIRE(event_log.UpdateRelay(seq, dead).ok());
  auto got = event_log.ListEvents("main", "sms", store::RelayState::kDead, 0).value();
  REQUIRE(got.size() == 1);
  CHECK(got[0].attempts == 12);
  CHECK(got[0].next_attempt_at == At(7000));
  CHECK(got[0].last_error == "connection refused");

  REQUIRE(event_log.UpdateRelay(seq, Delivered()).ok());
  got = event_log.ListEvents("main", "sms", store::RelayState::kDelivered, 0).value();
  REQUIRE(got.size() == 1);
  CHECK(got[0].delivered_at == At(5000));
  CHECK(got[0].last_error.empty());

  CHECK(event_log.UpdateRelay(seq + 100, Delivered()).code() == StatusCode::kNotFound);
  RelayUpdate bogus = Delivered();
  bogus.relay_state = store::RelayState::kNone;
  CHECK(event_log.UpdateRelay(seq, bogus).code() == StatusCode::kInvalidArgument);
  CHECK(StateOf(event_log, "u1") == "delivered");
}

STORE_CONTRACT_TEST("Lifecycle outcome fields round-trip through InsertEvents", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  EventRecord in = Event("l1", "main", "sms", "dead");
  in.kind = store::EventKind::kLifecycle;
  in.attempts = 4;
  in.last_error = "HTTP 410";
  in.delivered_at = At(4242);
  REQUIRE(event_log.InsertEvents({in}).ok());
  const auto out = event_log.ListEvents("main", "sms", std::nullopt, 0).value();
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == store::EventKind::kLifecycle);
  CHECK(out[0].last_error == "HTTP 410");
  CHECK(out[0].delivered_at == At(4242));
}

// Failed and delivered events of two subscriptions at two times, plus ones replay never touches.
void SeedForReplay(EventLog& store) {
  std::vector<EventRecord> events = {
      Event("dead-old", "main", "sms", "dead", 1000),
      Event("dead-new", "main", "sms", "dead", 5000),
      Event("done-new", "main", "sms", "delivered", 5000),
      Event("voice-dead", "main", "voice", "dead", 5000),
      Event("other-done", "other", "sms", "delivered", 5000),
      Event("pending", "main", "sms", "pending", 500),
      Event("reminder", "main", "sms", "none", 5000),
  };
  for (EventRecord& e : events) {
    e.attempts = 3;
    e.next_attempt_at = At(8000);
    e.last_error = "HTTP 503";
  }
  REQUIRE(store.InsertEvents(events).ok());
}

STORE_CONTRACT_TEST("RequeueEvents filters by state, route and time and resets the attempts",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  SeedForReplay(event_log);

  SECTION("dead only, everywhere") {
    ReplayQuery q;
    q.dead_only = true;
    CHECK(event_log.RequeueEvents(q).value() == 3);
    CHECK(StateOf(event_log, "done-new") == "delivered");
    CHECK(StateOf(event_log, "voice-dead") == "pending");
  }
  SECTION("dead and delivered of one account") {
    ReplayQuery q;
    q.account = "main";
    CHECK(event_log.RequeueEvents(q).value() == 4);
    CHECK(StateOf(event_log, "done-new") == "pending");
    CHECK(StateOf(event_log, "other-done") == "delivered");
  }
  SECTION("one subscription since a time") {
    ReplayQuery q;
    q.account = "main";
    q.name = "sms";
    q.since = At(5000);
    CHECK(event_log.RequeueEvents(q).value() == 2);
    CHECK(StateOf(event_log, "dead-old") == "dead");
    CHECK(StateOf(event_log, "dead-new") == "pending");
    CHECK(StateOf(event_log, "done-new") == "pending");
    CHECK(StateOf(event_log, "voice-dead") == "dead");
  }
  SECTION("a name across accounts") {
    ReplayQuery q;
    q.name = "sms";
    q.since = At(5000);
    CHECK(event_log.RequeueEvents(q).value() == 3);
    CHECK(StateOf(event_log, "other-done") == "pending");
  }
  // Whatever matched: a fresh start for the relay. What it must not touch is left as it was.
  for (const EventRecord& e : All(event_log)) {
    if (e.uuid == "pending" || e.uuid == "reminder") {
      CHECK(e.attempts == 3);
      CHECK(e.last_error == "HTTP 503");
    } else if (e.relay_state == store::RelayState::kPending) {
      CHECK(e.attempts == 0);
      CHECK(e.next_attempt_at == WallTime{});
      CHECK(e.last_error.empty());
    }
  }
  CHECK(StateOf(event_log, "reminder") == "none");
}

STORE_CONTRACT_TEST("Requeued events become heads again in their original order", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  REQUIRE(event_log
              .InsertEvents({Event("a", "main", "sms", "dead"),
                             Event("b", "main", "sms", "delivered"), Event("c", "main", "sms")})
              .ok());
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"c"});
  REQUIRE(event_log.RequeueEvents({}).value() == 2);
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"a"});
  CHECK(Uuids(event_log.ListEvents("main", "sms", store::RelayState::kPending, 0).value()) ==
        V{"a", "b", "c"});
}

STORE_CONTRACT_TEST("PruneEvents deletes old finished events, bounded, and never a pending one",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  REQUIRE(event_log
              .InsertEvents({Event("p-old", "main", "sms", "pending", 100),
                             Event("done1", "main", "sms", "delivered", 100),
                             Event("done2", "main", "sms", "delivered", 200),
                             Event("none1", "main", "sms", "none", 300),
                             Event("done-new", "main", "sms", "delivered", 5000),
                             Event("dead-old", "main", "sms", "dead", 100),
                             Event("dead-mid", "main", "sms", "dead", 3000)})
              .ok());
  // done_before 1000 matches done1, done2, none1; dead_before 2000 matches dead-old.
  CHECK(event_log.PruneEvents(At(1000), At(2000), 3).value() == 3);
  CHECK(event_log.ListEvents("", "", std::nullopt, 0).value().size() == 4);
  CHECK(event_log.PruneEvents(At(1000), At(2000), 3).value() == 1);
  CHECK(event_log.PruneEvents(At(1000), At(2000), 3).value() == 0);
  CHECK(Uuids(event_log.ListEvents("", "", std::nullopt, 0).value()) ==
        V{"p-old", "done-new", "dead-mid"});

  // Even a cut-off after everything leaves pending events alone.
  CHECK(event_log.PruneEvents(At(1'000'000), At(1'000'000), 100).value() == 2);
  CHECK(Uuids(event_log.ListEvents("", "", std::nullopt, 0).value()) == V{"p-old"});
  // A pruned uuid is forgotten: the platform would have stopped retrying long before.
  CHECK(event_log.InsertEvents({Event("done1", "main", "sms")}).value().at(0) ==
        InsertOutcome::kInserted);
}

STORE_CONTRACT_TEST("CountRelay counts per subscription and reports the oldest pending event",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  CHECK(event_log.CountRelay().value().empty());
  std::vector<EventRecord> events = {Event("s-done", "main", "sms", "delivered", 100),
                                     Event("s-p1", "main", "sms", "pending", 300),
                                     Event("s-p2", "main", "sms", "pending", 200),
                                     Event("s-dead", "main", "sms", "dead", 50),
                                     Event("v-none", "main", "voice", "none", 10),
                                     Event("a-dead", "alpha", "x", "dead", 10)};
  events[1].last_error = "HTTP 502";  // the head: lowest seq, even if received later
  events[2].last_error = "later";
  REQUIRE(event_log.InsertEvents(events).ok());

  const auto counts = event_log.CountRelay().value();
  REQUIRE(counts.size() == 3);
  CHECK(counts[0].account == "alpha");
  CHECK(counts[0].dead == 1);
  CHECK(counts[0].pending == 0);
  CHECK(counts[0].oldest_pending_at == WallTime{});
  CHECK(counts[0].last_error.empty());

  CHECK(counts[1].account == "main");
  CHECK(counts[1].name == "sms");
  CHECK(counts[1].pending == 2);
  CHECK(counts[1].dead == 1);
  CHECK(counts[1].delivered == 1);
  CHECK(counts[1].oldest_pending_at == At(300));
  CHECK(counts[1].last_error == "HTTP 502");

  // Only "none" events: listed, with nothing to count.
  CHECK(counts[2].name == "voice");
  CHECK(counts[2].pending + counts[2].dead + counts[2].delivered == 0);
}

}  // namespace
}  // namespace subkeeper::store::conformance
