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

std::string ActiveId(Scenario& s, const std::string& name, const std::string& not_id = "") {
  std::string id;
  WaitFor(
      [&] {
        auto view = s.ViewOf(name);
        if (!view || (*view)["status"] != "Active" || !(*view)["remote_id"].is_string()) {
          return false;
        }
        id = (*view)["remote_id"].get<std::string>();
        return !id.empty() && id != not_id;
      },
      30s);
  return id == not_id ? "" : id;
}

int Creates(const std::vector<json>& calls) {
  int n = 0;
  for (const auto& call : calls) {
    n += call.value("method", "") == "POST" && call.value("path", "") == kSubscriptionPath;
  }
  return n;
}

// Stops the keeper and waits (bounded) until the platform no longer has `ids`: their lifetime
// (12 s) ran out while nobody renewed them.
void DownUntilGone(Scenario& s, const std::vector<std::string>& ids) {
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

void RequireOneEach(Scenario& s, const std::vector<std::string>& names, int64_t since) {
  const auto calls = s.CallsAfter(since);
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
  const std::string sms = ActiveId(s, "sms");
  const std::string voice = ActiveId(s, "voice");
  REQUIRE_FALSE(sms.empty());
  REQUIRE_FALSE(voice.empty());
  DownUntilGone(s, {sms, voice});

  const int64_t seq = s.LastCallSeq();
  s.StartKeeper();
  REQUIRE_FALSE(ActiveId(s, "sms", sms).empty());
  REQUIRE_FALSE(ActiveId(s, "voice", voice).empty());
  WaitForStartUpPass(s);
  RequireOneEach(s, {"sms", "voice"}, seq);
}

TEST_CASE("a start-up whose list is in flight while the timer recreates creates once",
          "[integration]") {
  Scenario s(TwoSubscriptions());
  const std::string sms = ActiveId(s, "sms");
  const std::string voice = ActiveId(s, "voice");
  REQUIRE_FALSE(sms.empty());
  REQUIRE_FALSE(voice.empty());
  DownUntilGone(s, {sms, voice});
  // The reconcile's list answers 2 s late, with what the platform held when it was asked: the
  // timer's recreations land meanwhile.
  const auto fault = s.EmulatorPost("/_emulator/faults", {{"kind", "latency"},
                                                          {"method", "GET"},
                                                          {"pathPrefix", kSubscriptionPath},
                                                          {"latencyMs", 2000},
                                                          {"count", 1}});
  REQUIRE(fault.status == 200);

  const int64_t seq = s.LastCallSeq();
  s.StartKeeper();
  REQUIRE_FALSE(ActiveId(s, "sms", sms).empty());
  REQUIRE_FALSE(ActiveId(s, "voice", voice).empty());
  WaitForStartUpPass(s);
  RequireOneEach(s, {"sms", "voice"}, seq);
}

}  // namespace subkeeper::testing
