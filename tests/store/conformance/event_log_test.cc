// The EventLog contract for notifications: dedupe on uuid, order, exact bodies, filters; and the
// store's thread-safety. Runs against every implementation (registry.h).
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

HistoryEntry Hist(std::string kind, std::string account, std::string name) {
  HistoryEntry h;
  h.kind = ParseHistoryKind(kind).value();
  h.account = std::move(account);
  h.name = std::move(name);
  return h;
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

STORE_CONTRACT_TEST("Events are deduplicated on uuid within and across batches", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  auto first = event_log.InsertEvents({Event("u1"), Event("u2"), Event("u1")});
  REQUIRE(first.ok());
  CHECK(*first == std::vector<InsertOutcome>{InsertOutcome::kInserted, InsertOutcome::kInserted,
                                             InsertOutcome::kDuplicate});
  auto second = event_log.InsertEvents({Event("u2"), Event("u3")});
  REQUIRE(second.ok());
  CHECK(*second == std::vector<InsertOutcome>{InsertOutcome::kDuplicate, InsertOutcome::kInserted});

  auto events = event_log.ListEvents("", "", std::nullopt, 0).value();
  REQUIRE(events.size() == 3);
  CHECK(events[0].uuid == "u1");
  CHECK(events[1].uuid == "u2");
  CHECK(events[2].uuid == "u3");
  CHECK(events[0].seq < events[1].seq);
  CHECK(events[1].seq < events[2].seq);

  CHECK(event_log.InsertEvents({Event("u4"), Event("")}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(event_log.ListEvents("", "", std::nullopt, 0).value().size() ==
        3);  // nothing of that batch stored
  CHECK(event_log.InsertEvents({}).value().empty());
}

STORE_CONTRACT_TEST("An event body with arbitrary bytes round-trips exactly", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  body += std::string("\0\0tail\xff", 7);
  EventRecord in = Event("bytes");
  in.body = body;
  in.kind = store::EventKind::kReminder;
  in.relay_state = store::RelayState::kNone;
  in.attempts = 7;
  in.next_attempt_at = At(1'700'000'009'000);
  EventRecord empty_body = Event("empty");
  empty_body.body.clear();
  REQUIRE(event_log.InsertEvents({in, empty_body}).ok());

  auto events = event_log.ListEvents("main", "sms", std::nullopt, 10).value();
  REQUIRE(events.size() == 2);
  const EventRecord& out = events[0];
  CHECK(out.body.size() == body.size());
  CHECK(out.body == body);
  CHECK(out.subscription_id == in.subscription_id);
  CHECK(out.event == in.event);
  CHECK(out.received_at == in.received_at);
  CHECK(out.kind == store::EventKind::kReminder);
  CHECK(out.relay_state == store::RelayState::kNone);
  CHECK(out.attempts == 7);
  CHECK(out.next_attempt_at == in.next_attempt_at);
  CHECK(events[1].body.empty());
}

STORE_CONTRACT_TEST("ListEvents filters by route and relay state and limits", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  EventRecord reminder = Event("r1");
  reminder.relay_state = store::RelayState::kNone;
  REQUIRE(event_log.InsertEvents({Event("s1"), Event("v1", "voice"), reminder, Event("s2")}).ok());

  auto uuids = [](const std::vector<EventRecord>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.uuid);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(uuids(event_log.ListEvents("main", "sms", std::nullopt, 0).value()) == V{"s1", "r1", "s2"});
  CHECK(uuids(event_log.ListEvents("main", "sms", store::RelayState::kPending, 0).value()) ==
        V{"s1", "s2"});
  CHECK(uuids(event_log.ListEvents("", "", store::RelayState::kPending, 0).value()) ==
        V{"s1", "v1", "s2"});
  CHECK(uuids(event_log.ListEvents("main", "voice", std::nullopt, 0).value()) == V{"v1"});
  CHECK(uuids(event_log.ListEvents("", "", std::nullopt, 2).value()) == V{"s1", "v1"});
}

STORE_CONTRACT_TEST("The store serialises concurrent writers", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  EventLog& event_log = *store;
  HistoryLog& history = *store;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string uuid = std::to_string(t) + "-" + std::to_string(i);
        if (!event_log.InsertEvents({Event(uuid)}).ok()) ++failures;
        if (!history.AppendHistory(Hist("renewed", "main", "sms")).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(event_log.ListEvents("", "", std::nullopt, 0).value().size() == kThreads * kPerThread);
  CHECK(history.ListHistory(HistoryQuery{"", "", 0}).value().size() == kThreads * kPerThread);
}

}  // namespace
}  // namespace subkeeper::store::conformance
