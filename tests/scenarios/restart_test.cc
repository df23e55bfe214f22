// A keeper that was down longer than its subscriptions' lifetime: at start-up the timer (due long
// ago) and the start-up reconcile both find each subscription gone. Exactly one of them may
// create it; the other's decision is stale and must be dropped (renewal/service.h, "one guard").
#include <catch2/catch.hpp>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

const std::string kSubscriptionPath = "/restapi/v1.0/subscription";

ScenarioOptions TwoSubscriptions() {
  ScenarioOptions options;
  for (const char* name : {"sms", "voice"}) {
    SubscriptionSpec spec;
    spec.name = name;
    options.subscriptions.push_back(spec);
  }
  options.subscription = "sms";
  return options;
}

int Creates(const std::vector<json>& calls) {
  int n = 0;
  for (const auto& call : calls) {
    n += call.value("method", "") == "POST" && call.value("path", "") == kSubscriptionPath;
  }
  return n;
}

// Waits for both subscriptions, stops the keeper and waits (bounded) until the platform no
// longer has them: their lifetime (12 s) ran out while nobody renewed them. Returns their ids.
std::vector<std::string> DownUntilGone(Scenario& s) {
  std::vector<std::string> ids;
  for (const char* name : {"sms", "voice"}) ids.push_back(s.WaitForActiveOf(name, 30s));
  for (const auto& id : ids) REQUIRE_FALSE(id.empty());
  s.StopKeeper();
  const bool gone = WaitFor(
      [&] {
        for (const auto& id : ids) {
          auto record = s.EmulatorRecord(id);
          if (record && (*record).value("status", "") == "Active") return false;
        }
        return true;
      },
      40s, 250ms);
  REQUIRE(gone);
  return ids;
}

// Waits until the start-up reconcile has finished its pass (complete or not): the stale creates
// this file is about would have been sent by then.
void WaitForStartUpPass(Scenario& s) {
  const bool done = WaitFor(
      [&] {
        const json state = s.ConfigState();
        return state.is_object() &&
               state.value("last_reconcile", "").find("(start-up)") != std::string::npos;
      },
      30s, 100ms);
  INFO("config state: " << s.ConfigState().dump());
  REQUIRE(done);
}

// Starts the keeper again; once each subscription is Active under a new id and the start-up
// pass is over, exactly one create each must have been sent, and one subscription each exists.
void RestartAndRequireOneEach(Scenario& s, const std::vector<std::string>& old_ids) {
  const std::vector<std::string> names = {"sms", "voice"};
  const int64_t seq = s.LastCallSeq();
  s.StartKeeper();
  for (size_t i = 0; i < names.size(); ++i)
    REQUIRE_FALSE(s.WaitForActiveOf(names[i], 30s, old_ids[i]).empty());
  WaitForStartUpPass(s);
  const auto calls = s.CallsAfter(seq);
  INFO(Summarize(calls).text);
  CHECK(Creates(calls) == static_cast<int>(names.size()));
  for (const auto& name : names) {
    const auto records = s.RecordsAt(s.AddressOf(name));
    INFO(name << ": " << json(records).dump());
    CHECK(records.size() == 1);
  }
}

}  // namespace

TEST_CASE("a keeper down past expiry creates each subscription exactly once at start-up",
          "[integration]") {
  Scenario s(TwoSubscriptions());
  const std::vector<std::string> old_ids = DownUntilGone(s);

  RestartAndRequireOneEach(s, old_ids);
}

TEST_CASE("a start-up whose list is in flight while the timer recreates creates once",
          "[integration]") {
  Scenario s(TwoSubscriptions());
  const std::vector<std::string> old_ids = DownUntilGone(s);
  // The reconcile's list answers 2 s late, with what the platform held when it was asked: the
  // timer's recreations land meanwhile.
  const auto fault = s.EmulatorPost("/_emulator/faults", {{"kind", "latency"},
                                                          {"method", "GET"},
                                                          {"pathPrefix", kSubscriptionPath},
                                                          {"latencyMs", 2000},
                                                          {"count", 1}});
  REQUIRE(fault.status == 200);

  RestartAndRequireOneEach(s, old_ids);
}

}  // namespace subkeeper::testing
