// Scenarios of request signing: what the real keeper relays to the app verifies with the stock
// Standard Webhooks library (npm standardwebhooks, `new Webhook(secret).verify(body, headers)`,
// https://www.standardwebhooks.com) for events, lifecycle events and replays; several keys sign
// side by side and a reload switches them (key rotation); `check` refuses anything but a
// Standard Webhooks secret without echoing it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include "support/app_sink.h"
#include "support/scenario.h"
#include "support/stock_verifier.h"

namespace subkeeper::testing {
namespace {

constexpr char kPath[] = "/app/events";
// Test literals: "whsec_" + base64 of 32 bytes each.
constexpr char kOld[] = "whsec_c2NlbmFyaW8tc2lnbmluZy1rZXktb25lLTMyYnl0ZXM=";
constexpr char kNew[] = "whsec_c2NlbmFyaW8tc2lnbmluZy1rZXktdHdvLTMyYnl0ZXM=";

ScenarioOptions RelayedTo(const AppSink& sink, std::vector<std::string> secrets) {
  ScenarioOptions options;
  options.deliver_to = sink.Url(kPath);
  options.signing_secrets = std::move(secrets);
  options.relay_section = "  min_backoff: 1\n  max_backoff: 1\n";
  return options;
}

// The platform sends one event for subscription `id`; REQUIREs that the keeper stored it.
void Notify(Scenario& s, const std::string& id, const std::string& uuid, const json& body) {
  const auto reply = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                    {{"uuid", uuid}, {"body", body}});
  INFO("notify " << uuid << ": " << reply.status << " " << reply.body << " " << reply.error);
  REQUIRE(reply.status == 200);
  REQUIRE(reply.Json().value("status", 0) == 200);
}

std::vector<RelayedRequest> AsRelayed(const std::vector<SinkRequest>& requests) {
  std::vector<RelayedRequest> out;
  for (const SinkRequest& r : requests) out.push_back({r.headers, r.body});
  return out;
}

// The requests whose webhook-id is one of `ids`.
std::vector<SinkRequest> WithIds(const std::vector<SinkRequest>& requests,
                                 const std::set<std::string>& ids) {
  std::vector<SinkRequest> out;
  for (const SinkRequest& r : requests) {
    if (ids.count(r.Header("webhook-id")) != 0) out.push_back(r);
  }
  return out;
}

// How many accepted requests carry each of `ids` at least `times` times.
bool EachDelivered(const std::vector<SinkRequest>& requests, const std::set<std::string>& ids,
                   int times = 1) {
  return std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
    return std::count_if(requests.begin(), requests.end(), [&](const SinkRequest& r) {
             return r.ok() && r.Header("webhook-id") == id;
           }) >= times;
  });
}

bool HasKind(const std::vector<SinkRequest>& requests, const std::string& kind) {
  return std::any_of(requests.begin(), requests.end(), [&](const SinkRequest& r) {
    return r.Header("subkeeper-event-kind") == kind;
  });
}

// Every request verifies with the stock library under `secret` (and there are some).
void RequireAllVerify(const std::vector<SinkRequest>& requests, const std::string& secret) {
  REQUIRE_FALSE(requests.empty());
  const StockVerdict verdict = VerifyWithStockLibrary(secret, AsRelayed(requests));
  INFO("stock library: " << verdict.summary << verdict.error);
  CHECK(verdict.exit_code == 0);
  CHECK(verdict.total == static_cast<int>(requests.size()));
  CHECK(verdict.verified == verdict.total);
}

TEST_CASE("events, lifecycle events and replays verify with the stock Standard Webhooks library",
          "[integration][signing]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, {kOld}));
  const std::string old_id = s.WaitForActive(20s);
  REQUIRE_FALSE(old_id.empty());

  const std::set<std::string> events = {"sign-ev-0", "sign-ev-1", "sign-ev-2"};
  Notify(s, old_id, "sign-ev-0", {{"text", "h\xC3\xA9llo \xF0\x9F\x98\x80"}});
  Notify(s, old_id, "sign-ev-1", {{"list", json::array({1, 2.5, nullptr, true})}});
  Notify(s, old_id, "sign-ev-2", {{"big", std::string(20000, 'x')}});
  REQUIRE(sink.WaitFor([&](const auto& r) { return EachDelivered(r, events); }, 20s));

  // A lifecycle event: the platform loses the subscription, the keeper recreates it and says so.
  REQUIRE(s.EmulatorPost("/_emulator/subscriptions/" + old_id + "/purge").status == 200);
  REQUIRE_FALSE(s.WaitForActive(30s, old_id).empty());
  REQUIRE(sink.WaitFor([](const auto& r) { return HasKind(r, "lifecycle"); }, 20s));

  // A replay sends the stored events again, signed at the time of sending.
  const CliRun replay = s.RunCli({"replay", "-c", s.config_path(), "--since", "1h"});
  INFO("replay: exit " << replay.exit_code << "\nout: " << replay.out << "\nerr: " << replay.err);
  REQUIRE(replay.exit_code == 0);
  REQUIRE(sink.WaitFor([&](const auto& r) { return EachDelivered(r, events, 2); }, 20s));

  const std::vector<SinkRequest> requests = sink.RequestsTo(kPath);
  CHECK(HasKind(requests, "event"));
  CHECK(HasKind(requests, "lifecycle"));
  CHECK(requests.size() >= 7);  // 3 events, a lifecycle event, 3 replays
  RequireAllVerify(requests, kOld);
  // The harness can fail: another key is rejected on every request.
  const StockVerdict other = VerifyWithStockLibrary(kNew, AsRelayed(requests), true);
  INFO("other key: " << other.summary << other.error);
  CHECK(other.exit_code == 0);
  CHECK(other.rejected == static_cast<int>(requests.size()));
}

TEST_CASE("two signing keys sign side by side and a reload switches to the new one alone",
          "[integration][signing]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, {kOld, kNew}));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  const std::set<std::string> before_ids = {"rot-0", "rot-1"};
  for (const std::string& uuid : before_ids) Notify(s, id, uuid, {{"uuid", uuid}});
  REQUIRE(sink.WaitFor([&](const auto& r) { return EachDelivered(r, before_ids); }, 20s));
  const std::vector<SinkRequest> both = sink.RequestsTo(kPath);
  for (const SinkRequest& r : both) {
    INFO("request #" << r.index << " " << r.Header("webhook-signature"));
    const std::string header = r.Header("webhook-signature");
    CHECK(std::count(header.begin(), header.end(), ' ') == 1);  // "v1,<old> v1,<new>"
    CHECK(SignedWith(r, s.signing_key(0)));
    CHECK(SignedWith(r, s.signing_key(1)));
  }
  RequireAllVerify(both, kOld);
  RequireAllVerify(both, kNew);

  s.set_signing_secrets({kNew});
  const json before = s.ConfigState();
  s.RewriteConfig(s.Specs());
  s.SignalKeeper(SIGHUP);
  const json after = s.WaitForReload(before);
  INFO("config state: " << s.ConfigState().dump());
  REQUIRE(after.is_object());

  const std::set<std::string> after_ids = {"rot-2", "rot-3"};
  for (const std::string& uuid : after_ids) Notify(s, id, uuid, {{"uuid", uuid}});
  REQUIRE(sink.WaitFor([&](const auto& r) { return EachDelivered(r, after_ids); }, 20s));
  const std::vector<SinkRequest> rotated = WithIds(sink.RequestsTo(kPath), after_ids);
  RequireAllVerify(rotated, kNew);
  const StockVerdict old_key = VerifyWithStockLibrary(kOld, AsRelayed(rotated), true);
  INFO("old key after the switch: " << old_key.summary << old_key.error);
  CHECK(old_key.exit_code == 0);
  CHECK(old_key.rejected == static_cast<int>(rotated.size()));
  for (const SinkRequest& r : rotated) {
    CHECK(r.Header("webhook-signature").find(' ') == std::string::npos);
  }
}

TEST_CASE("check refuses a signing secret that is not a Standard Webhooks one, without echoing it",
          "[integration][signing]") {
  AppSink sink;
  ScenarioOptions options = RelayedTo(sink, {kOld, "whsec_c2hvcnQta2V5"});
  options.start_keeper = false;
  Scenario s(options);
  const std::string bad = s.WriteConfigCopy("bad-secret.yaml", s.Specs());
  CliRun run = s.RunCli({"check", "-c", bad}, 10s);
  INFO("check: " << run.exit_code << "\nout: " << run.out << "\nerr: " << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("relay.signing_secret[1]: must decode to 24 to 64 bytes"));
  CHECK_THAT(run.err, Catch::Contains("make one with `subkeeper generate-secret`"));
  CHECK(run.err.find("c2hvcnQta2V5") == std::string::npos);
  CHECK(run.out.find("c2hvcnQta2V5") == std::string::npos);

  // Relaying with no signing secret at all: webhook_secret is no longer used instead.
  s.set_signing_secrets({});
  const std::string none = s.WriteConfigCopy("no-secret.yaml", s.Specs());
  run = s.RunCli({"check", "-c", none}, 10s);
  INFO("check: " << run.exit_code << "\nerr: " << run.err);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("relay.signing_secret: is required when a subscription "
                                      "relays events (has deliver_to)"));
  CHECK(run.err.find(s.webhook_secret()) == std::string::npos);
}

}  // namespace
}  // namespace subkeeper::testing
