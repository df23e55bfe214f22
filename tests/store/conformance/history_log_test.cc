// The HistoryLog contract, and the outbox events a history row queues in the EventLog in the
// same transaction. Runs against every implementation (registry.h).
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

using std::chrono::seconds;

HistoryEntry Hist(std::string kind, std::string account = "", std::string name = "") {
  HistoryEntry h;
  h.kind = ParseHistoryKind(kind).value();
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

std::vector<std::string> Uuids(const std::vector<EventRecord>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.uuid);
  return out;
}

using V = std::vector<std::string>;

HistoryEntry WithOutbox(std::string kind, std::string uuid) {
  HistoryEntry h;
  h.kind = ParseHistoryKind(kind).value();
  h.remote_id = "sub-2";
  EventRecord e;
  e.uuid = std::move(uuid);
  e.kind = store::EventKind::kLifecycle;
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

STORE_CONTRACT_TEST("History is newest first, filtered, limited and written with the record",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  REQUIRE(subscriptions.PutSubscription(Minimal("sms"), Hist("created")).ok());
  clock.Advance(seconds(1));
  REQUIRE(subscriptions.PutSubscription(Minimal("voice"), Hist("created")).ok());
  clock.Advance(seconds(1));
  HistoryEntry renewed = Hist("renewed", "main", "sms");
  renewed.at = At(42);
  renewed.remote_id = "r1";
  renewed.trigger = subscription::RenewedBy::kReminder;
  renewed.detail = "ok";
  REQUIRE(subscriptions.AppendHistory(renewed).ok());
  REQUIRE(subscriptions.DeleteSubscription("main", "voice", Hist("deleted")).ok());

  auto all = subscriptions.ListHistory({});
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK((*all)[0].kind == HistoryKind::kDeleted);
  CHECK((*all)[0].name == "voice");  // route filled in from the deleted key
  CHECK((*all)[1].kind == HistoryKind::kRenewed);
  CHECK((*all)[1].at == At(42));  // a given time is kept
  CHECK((*all)[1].trigger == subscription::RenewedBy::kReminder);
  CHECK((*all)[1].remote_id == "r1");
  CHECK((*all)[1].detail == "ok");
  CHECK((*all)[3].at == At(1'700'000'000'000));  // an unset time is stamped from the clock
  CHECK((*all)[0].id > (*all)[1].id);

  auto sms = subscriptions.ListHistory(Query("main", "sms")).value();
  REQUIRE(sms.size() == 2);
  CHECK(sms[0].kind == HistoryKind::kRenewed);
  CHECK(sms[1].kind == HistoryKind::kCreated);
  CHECK(subscriptions.ListHistory(Query("other", "")).value().empty());
  auto newest = subscriptions.ListHistory(Query("", "", 1)).value();
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].kind == HistoryKind::kDeleted);
}

STORE_CONTRACT_TEST("A failed Put writes neither the record nor its history", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  SubscriptionRecord bad = Minimal("sms");
  bad.event_filters = {std::string("\xff\xfe not utf-8")};
  CHECK(subscriptions.PutSubscription(bad, Hist("created")).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(subscriptions.GetSubscription("main", "sms").value().has_value());
  CHECK(subscriptions.ListHistory({}).value().empty());
}

STORE_CONTRACT_TEST("The outbox event is queued with its history row", "[store]") {
  ManualClock clock(At(1'700'000'000'000));
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  EventLog& event_log = *store;

  REQUIRE(subscriptions.PutSubscription(Record(), WithOutbox("recreated", "life-1")).ok());
  auto queued = event_log.ListEvents("main", "sms", store::RelayState::kPending, 0).value();
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].uuid == "life-1");
  CHECK(queued[0].kind == store::EventKind::kLifecycle);
  CHECK(queued[0].event == "subscription.recreated");
  CHECK(queued[0].received_at == At(1'700'000'000'000));  // the history row's time
  CHECK(Uuids(event_log.ListRelayHeads().value()) == V{"life-1"});

  // A retried write whose event is already queued still records its history.
  REQUIRE(subscriptions.PutSubscription(Record(), WithOutbox("recreated", "life-1")).ok());
  CHECK(subscriptions.ListHistory({}).value().size() == 2);
  CHECK(event_log.ListEvents("", "", std::nullopt, 0).value().size() == 1);

  HistoryEntry appended = WithOutbox("blacklisted", "life-2");
  appended.account = "main";
  appended.name = "sms";
  REQUIRE(subscriptions.AppendHistory(appended).ok());
  REQUIRE(subscriptions.DeleteSubscription("main", "sms", WithOutbox("deleted", "life-3")).ok());
  CHECK(Uuids(event_log.ListEvents("main", "sms", std::nullopt, 0).value()) ==
        V{"life-1", "life-2", "life-3"});
  CHECK(subscriptions.ListHistory({}).value().size() == 4);
}

STORE_CONTRACT_TEST("A history write that fails queues no outbox event, and vice versa",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  SubscriptionStore& subscriptions = *store;
  EventLog& event_log = *store;
  SubscriptionRecord bad = Record();
  bad.event_filters = {std::string("\xff\xfe", 2)};  // not UTF-8: the Put fails
  CHECK_FALSE(subscriptions.PutSubscription(bad, WithOutbox("created", "life-1")).ok());
  CHECK(event_log.ListEvents("", "", std::nullopt, 0).value().empty());

  // An outbox event without a uuid fails the whole write.
  HistoryEntry no_uuid = WithOutbox("recreated", "");
  CHECK(subscriptions.PutSubscription(Record(), no_uuid).code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(subscriptions.GetSubscription("main", "sms").value().has_value());
  CHECK(subscriptions.ListHistory({}).value().empty());
  no_uuid.account = "main";
  no_uuid.name = "sms";
  CHECK(subscriptions.AppendHistory(no_uuid).code() == StatusCode::kInvalidArgument);
  CHECK(subscriptions.DeleteSubscription("main", "sms", no_uuid).code() ==
        StatusCode::kInvalidArgument);
  CHECK(subscriptions.ListHistory({}).value().empty());
}

}  // namespace
}  // namespace subkeeper::store::conformance
