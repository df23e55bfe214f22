// The events table as the relay's outbox: heads, delivery outcomes, replay, pruning, counts, and
// lifecycle events queued with the history row that announces them.
#include <catch2/catch.hpp>

#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

WallTime At(int64_t ms) { return FromUnixMillis(ms); }

std::unique_ptr<Store> OpenMemory(const Clock& clock) {
  auto store = OpenSqliteStore(":memory:", clock);
  REQUIRE(store.ok());
  return std::move(store).value();
}

EventRecord Event(std::string uuid, std::string account, std::string name,
                  std::string relay_state = "pending", int64_t received_ms = 1000) {
  EventRecord e;
  e.uuid = std::move(uuid);
  e.account = std::move(account);
  e.name = std::move(name);
  e.body = "{}";
  e.relay_state = std::move(relay_state);
  e.received_at = At(received_ms);
  return e;
}

std::vector<std::string> Uuids(const std::vector<EventRecord>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.uuid);
  return out;
}

using V = std::vector<std::string>;

std::vector<EventRecord> All(Store& store) {
  auto events = store.ListEvents("", "", "", 0);
  REQUIRE(events.ok());
  return std::move(events).value();
}

// seq of the stored event `uuid`.
int64_t SeqOf(Store& store, const std::string& uuid) {
  for (const EventRecord& e : All(store)) {
    if (e.uuid == uuid) return e.seq;
  }
  FAIL("no event " << uuid);
  return 0;
}

std::string StateOf(Store& store, const std::string& uuid) {
  for (const EventRecord& e : All(store)) {
    if (e.uuid == uuid) return e.relay_state;
  }
  return "(absent)";
}

RelayUpdate Delivered() {
  RelayUpdate u;
  u.relay_state = "delivered";
  u.attempts = 1;
  u.delivered_at = At(5000);
  return u;
}

TEST_CASE("Relay heads are each subscription's lowest pending seq, in seq order", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  // Alphabetical order of the routes differs from arrival order on purpose.
  REQUIRE(store
              ->InsertEvents({Event("z1", "zeta", "sms"), Event("m1", "main", "voice"),
                              Event("r1", "main", "sms", "none"), Event("m2", "main", "sms"),
                              Event("a1", "alpha", "sms", "dead"), Event("m3", "main", "sms"),
                              Event("a2", "alpha", "x"), Event("z2", "zeta", "sms"),
                              Event("d1", "done", "sms", "delivered")})
              .ok());
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"z1", "m1", "m2", "a2"});

  // Delivering a head exposes the next pending event of that subscription only.
  REQUIRE(store->UpdateRelay(SeqOf(*store, "m2"), Delivered()).ok());
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"z1", "m1", "m3", "a2"});
  REQUIRE(store->UpdateRelay(SeqOf(*store, "m3"), Delivered()).ok());
  REQUIRE(store->UpdateRelay(SeqOf(*store, "z1"), Delivered()).ok());
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"m1", "a2", "z2"});

  // A retried head stays the head: later events of its subscription wait behind it.
  RelayUpdate retry;
  retry.relay_state = "pending";
  retry.attempts = 1;
  retry.next_attempt_at = At(9000);
  retry.last_error = "HTTP 500";
  REQUIRE(store->UpdateRelay(SeqOf(*store, "m1"), retry).ok());
  const auto heads = store->ListRelayHeads().value();
  REQUIRE(Uuids(heads) == V{"m1", "a2", "z2"});
  CHECK(heads[0].attempts == 1);
  CHECK(heads[0].next_attempt_at == At(9000));
  CHECK(heads[0].last_error == "HTTP 500");
}

TEST_CASE("No pending event means no heads", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  CHECK(store->ListRelayHeads().value().empty());
  REQUIRE(store->InsertEvents({Event("r1", "main", "sms", "none")}).ok());
  CHECK(store->ListRelayHeads().value().empty());
}

TEST_CASE("UpdateRelay writes every outcome field and rejects unknown events and states",
          "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store->InsertEvents({Event("u1", "main", "sms")}).ok());
  const int64_t seq = SeqOf(*store, "u1");

  RelayUpdate dead;
  dead.relay_state = "dead";
  dead.attempts = 12;
  dead.next_attempt_at = At(7000);
  dead.last_error = "connection refused";
  dead.delivered_at = At(0);
  REQUIRE(store->UpdateRelay(seq, dead).ok());
  auto got = store->ListEvents("main", "sms", "dead", 0).value();
  REQUIRE(got.size() == 1);
  CHECK(got[0].attempts == 12);
  CHECK(got[0].next_attempt_at == At(7000));
  CHECK(got[0].last_error == "connection refused");

  REQUIRE(store->UpdateRelay(seq, Delivered()).ok());
  got = store->ListEvents("main", "sms", "delivered", 0).value();
  REQUIRE(got.size() == 1);
  CHECK(got[0].delivered_at == At(5000));
  CHECK(got[0].last_error.empty());

  CHECK(store->UpdateRelay(seq + 100, Delivered()).code() == StatusCode::kNotFound);
  RelayUpdate bogus = Delivered();
  bogus.relay_state = "none";
  CHECK(store->UpdateRelay(seq, bogus).code() == StatusCode::kInvalidArgument);
  CHECK(StateOf(*store, "u1") == "delivered");
}

TEST_CASE("Lifecycle outcome fields round-trip through InsertEvents", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  EventRecord in = Event("l1", "main", "sms", "dead");
  in.kind = "lifecycle";
  in.attempts = 4;
  in.last_error = "HTTP 410";
  in.delivered_at = At(4242);
  REQUIRE(store->InsertEvents({in}).ok());
  const auto out = store->ListEvents("main", "sms", "", 0).value();
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == "lifecycle");
  CHECK(out[0].last_error == "HTTP 410");
  CHECK(out[0].delivered_at == At(4242));
}

// Failed and delivered events of two subscriptions at two times, plus ones replay never touches.
void SeedForReplay(Store& store) {
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

TEST_CASE("RequeueEvents filters by state, route and time and resets the attempts", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  SeedForReplay(*store);

  SECTION("dead only, everywhere") {
    ReplayQuery q;
    q.dead_only = true;
    CHECK(store->RequeueEvents(q).value() == 3);
    CHECK(StateOf(*store, "done-new") == "delivered");
    CHECK(StateOf(*store, "voice-dead") == "pending");
  }
  SECTION("dead and delivered of one account") {
    ReplayQuery q;
    q.account = "main";
    CHECK(store->RequeueEvents(q).value() == 4);
    CHECK(StateOf(*store, "done-new") == "pending");
    CHECK(StateOf(*store, "other-done") == "delivered");
  }
  SECTION("one subscription since a time") {
    ReplayQuery q;
    q.account = "main";
    q.name = "sms";
    q.since = At(5000);
    CHECK(store->RequeueEvents(q).value() == 2);
    CHECK(StateOf(*store, "dead-old") == "dead");
    CHECK(StateOf(*store, "dead-new") == "pending");
    CHECK(StateOf(*store, "done-new") == "pending");
    CHECK(StateOf(*store, "voice-dead") == "dead");
  }
  SECTION("a name across accounts") {
    ReplayQuery q;
    q.name = "sms";
    q.since = At(5000);
    CHECK(store->RequeueEvents(q).value() == 3);
    CHECK(StateOf(*store, "other-done") == "pending");
  }
  // Whatever matched: a fresh start for the relay. What it must not touch is left as it was.
  for (const EventRecord& e : All(*store)) {
    if (e.uuid == "pending" || e.uuid == "reminder") {
      CHECK(e.attempts == 3);
      CHECK(e.last_error == "HTTP 503");
    } else if (e.relay_state == "pending") {
      CHECK(e.attempts == 0);
      CHECK(e.next_attempt_at == WallTime{});
      CHECK(e.last_error.empty());
    }
  }
  CHECK(StateOf(*store, "reminder") == "none");
}

TEST_CASE("Requeued events become heads again in their original order", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store
              ->InsertEvents({Event("a", "main", "sms", "dead"),
                              Event("b", "main", "sms", "delivered"), Event("c", "main", "sms")})
              .ok());
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"c"});
  REQUIRE(store->RequeueEvents({}).value() == 2);
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"a"});
  CHECK(Uuids(store->ListEvents("main", "sms", "pending", 0).value()) == V{"a", "b", "c"});
}

TEST_CASE("PruneEvents deletes old finished events, bounded, and never a pending one", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  REQUIRE(store
              ->InsertEvents({Event("p-old", "main", "sms", "pending", 100),
                              Event("done1", "main", "sms", "delivered", 100),
                              Event("done2", "main", "sms", "delivered", 200),
                              Event("none1", "main", "sms", "none", 300),
                              Event("done-new", "main", "sms", "delivered", 5000),
                              Event("dead-old", "main", "sms", "dead", 100),
                              Event("dead-mid", "main", "sms", "dead", 3000)})
              .ok());
  // done_before 1000 matches done1, done2, none1; dead_before 2000 matches dead-old.
  CHECK(store->PruneEvents(At(1000), At(2000), 3).value() == 3);
  CHECK(store->ListEvents("", "", "", 0).value().size() == 4);
  CHECK(store->PruneEvents(At(1000), At(2000), 3).value() == 1);
  CHECK(store->PruneEvents(At(1000), At(2000), 3).value() == 0);
  CHECK(Uuids(store->ListEvents("", "", "", 0).value()) == V{"p-old", "done-new", "dead-mid"});

  // Even a cut-off after everything leaves pending events alone.
  CHECK(store->PruneEvents(At(1'000'000), At(1'000'000), 100).value() == 2);
  CHECK(Uuids(store->ListEvents("", "", "", 0).value()) == V{"p-old"});
  // A pruned uuid is forgotten: the platform would have stopped retrying long before.
  CHECK(store->InsertEvents({Event("done1", "main", "sms")}).value().at(0) ==
        InsertOutcome::kInserted);
}

TEST_CASE("CountRelay counts per subscription and reports the oldest pending event", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  CHECK(store->CountRelay().value().empty());
  std::vector<EventRecord> events = {Event("s-done", "main", "sms", "delivered", 100),
                                     Event("s-p1", "main", "sms", "pending", 300),
                                     Event("s-p2", "main", "sms", "pending", 200),
                                     Event("s-dead", "main", "sms", "dead", 50),
                                     Event("v-none", "main", "voice", "none", 10),
                                     Event("a-dead", "alpha", "x", "dead", 10)};
  events[1].last_error = "HTTP 502";  // the head: lowest seq, even if received later
  events[2].last_error = "later";
  REQUIRE(store->InsertEvents(events).ok());

  const auto counts = store->CountRelay().value();
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

HistoryEntry WithOutbox(std::string kind, std::string uuid) {
  HistoryEntry h;
  h.kind = std::move(kind);
  h.remote_id = "sub-2";
  EventRecord e;
  e.uuid = std::move(uuid);
  e.kind = "lifecycle";
  e.event = "subscription.recreated";
  e.body = R"({"type":"subscription.recreated"})";
  h.outbox = {e};
  return h;
}

SubscriptionRecord Record() {
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  return r;
}

TEST_CASE("The outbox event is queued with its history row", "[store]") {
  ManualClock clock(At(1'700'000'000'000));
  auto store = OpenMemory(clock);

  REQUIRE(store->PutSubscription(Record(), WithOutbox("recreated", "life-1")).ok());
  auto queued = store->ListEvents("main", "sms", "pending", 0).value();
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].uuid == "life-1");
  CHECK(queued[0].kind == "lifecycle");
  CHECK(queued[0].event == "subscription.recreated");
  CHECK(queued[0].received_at == At(1'700'000'000'000));  // the history row's time
  CHECK(Uuids(store->ListRelayHeads().value()) == V{"life-1"});

  // A retried write whose event is already queued still records its history.
  REQUIRE(store->PutSubscription(Record(), WithOutbox("recreated", "life-1")).ok());
  CHECK(store->ListHistory({}).value().size() == 2);
  CHECK(store->ListEvents("", "", "", 0).value().size() == 1);

  HistoryEntry appended = WithOutbox("blacklisted", "life-2");
  appended.account = "main";
  appended.name = "sms";
  REQUIRE(store->AppendHistory(appended).ok());
  REQUIRE(store->DeleteSubscription("main", "sms", WithOutbox("deleted", "life-3")).ok());
  CHECK(Uuids(store->ListEvents("main", "sms", "", 0).value()) == V{"life-1", "life-2", "life-3"});
  CHECK(store->ListHistory({}).value().size() == 4);
}

TEST_CASE("A history write that fails queues no outbox event, and vice versa", "[store]") {
  ManualClock clock;
  auto store = OpenMemory(clock);
  SubscriptionRecord bad = Record();
  bad.event_filters = {std::string("\xff\xfe", 2)};  // not UTF-8: the Put fails
  CHECK_FALSE(store->PutSubscription(bad, WithOutbox("created", "life-1")).ok());
  CHECK(store->ListEvents("", "", "", 0).value().empty());

  // An outbox event without a uuid fails the whole write.
  HistoryEntry no_uuid = WithOutbox("recreated", "");
  CHECK(store->PutSubscription(Record(), no_uuid).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(store->GetSubscription("main", "sms").value().has_value());
  CHECK(store->ListHistory({}).value().empty());
  no_uuid.account = "main";
  no_uuid.name = "sms";
  CHECK(store->AppendHistory(no_uuid).code() == StatusCode::kInvalidArgument);
  CHECK(store->DeleteSubscription("main", "sms", no_uuid).code() == StatusCode::kInvalidArgument);
  CHECK(store->ListHistory({}).value().empty());
}

}  // namespace
}  // namespace subkeeper::store
