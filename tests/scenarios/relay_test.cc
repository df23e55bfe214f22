// Scenarios of the relay: events the platform sends reach the subscription's deliver_to (an
// in-process AppSink) signed the Standard Webhooks way, byte for byte, in order, at least once;
// a failing app gets retries and then a dead letter that `subkeeper replay` resends; a slow app
// never slows the answers to the platform; lifecycle events (recreated, blacklisted, renewals
// failing and recovered) reach the app, reminders never do; and a request the keeper rejects is
// neither stored nor relayed.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "scenarios/raw_client.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/relay/signature.h"
#include "support/app_sink.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

constexpr char kPath[] = "/ringcentral/events";
using Clock = std::chrono::steady_clock;
using Headers = std::multimap<std::string, std::string>;

// A relayed subscription delivering to the sink. Long-lived unless `short_lived`: no renewal
// happens during the scenario, so nothing but the events under test moves.
ScenarioOptions RelayedTo(const AppSink& sink, const std::string& relay_section,
                          bool short_lived = false) {
  ScenarioOptions options;
  options.deliver_to = sink.Url(kPath);
  options.relay_section = relay_section;
  if (!short_lived) {
    options.expires_in_s = 120;
    options.threshold_s = 40;
    options.interval_s = 10;
  }
  return options;
}

std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

struct Notified {
  std::string uuid;
  int keeper_status = 0;  // what the keeper answered the platform
  std::chrono::milliseconds took{0};
};

// The platform sends one event notification for `id` (emulator control API).
Notified Notify(Scenario& s, const std::string& id, const std::string& uuid, const json& body) {
  const auto start = Clock::now();
  const auto reply = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                    {{"uuid", uuid}, {"body", body}});
  Notified n{uuid, 0, Since(start)};
  INFO("notify " << uuid << ": " << reply.status << " " << reply.body << " " << reply.error);
  REQUIRE(reply.status == 200);
  n.keeper_status = reply.Json().value("status", 0);
  return n;
}

std::optional<store::EventRecord> EventOf(Scenario& s, const std::string& uuid) {
  for (auto& e : s.Events()) {
    if (e.uuid == uuid) return e;
  }
  return std::nullopt;
}

bool InState(Scenario& s, const std::vector<std::string>& uuids, const std::string& state) {
  const auto events = s.Events();
  return std::all_of(uuids.begin(), uuids.end(), [&](const std::string& uuid) {
    return std::any_of(events.begin(), events.end(), [&](const store::EventRecord& e) {
      return e.uuid == uuid && store::RelayStateText(e.relay_state) == state;
    });
  });
}

// FirstDeliveries restricted to `uuids` (lifecycle events may arrive in between).
std::vector<std::string> DeliveredOf(const std::vector<SinkRequest>& requests,
                                     const std::vector<std::string>& uuids) {
  std::vector<std::string> out;
  for (const auto& id : FirstDeliveries(requests)) {
    if (std::find(uuids.begin(), uuids.end(), id) != uuids.end()) out.push_back(id);
  }
  return out;
}

std::vector<SinkRequest> WithId(const std::vector<SinkRequest>& requests, const std::string& id) {
  std::vector<SinkRequest> out;
  for (const auto& r : requests) {
    if (r.Header("webhook-id") == id) out.push_back(r);
  }
  return out;
}

// One line per request, for failure messages.
std::string Describe(const std::vector<SinkRequest>& requests) {
  std::ostringstream out;
  const auto origin = requests.empty() ? Clock::time_point{} : requests.front().arrived;
  for (const auto& r : requests) {
    out << "#" << r.index << " +"
        << std::chrono::duration_cast<std::chrono::milliseconds>(r.arrived - origin).count()
        << "ms " << r.method << " " << r.path << " id=" << r.Header("webhook-id")
        << " answered=" << r.status << (r.stalled ? " (stalled)" : "") << "\n";
  }
  return out.str();
}

// The first request the app accepted whose body is the lifecycle event `type`.
std::optional<SinkRequest> Lifecycle(const std::vector<SinkRequest>& requests,
                                     const std::string& type) {
  for (const auto& r : requests) {
    const json body = json::parse(r.body, nullptr, false);
    if (r.ok() && body.is_object() && body.value("type", "") == type) return r;
  }
  return std::nullopt;
}

// Rows with this uuid in the keeper's events table, any route (read-only connection).
int StoredCount(const std::string& db_path, const std::string& uuid) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement query(db, "SELECT COUNT(*) FROM events WHERE uuid = ?");
  query.bind(1, uuid);
  REQUIRE(query.executeStep());
  return query.getColumn(0).getInt();
}

std::string Envelope(const std::string& uuid, const std::string& id) {
  return json{{"uuid", uuid},
              {"event", "/restapi/v1.0/account/1/extension/2/presence"},
              {"timestamp", "2024-05-01T10:00:00.000Z"},
              {"subscriptionId", id},
              {"ownerId", "2"},
              {"body", {{"telephonyStatus", "Ringing"}}}}
      .dump();
}

Headers WithToken(const std::string& token) {
  return {{"User-Agent", "RingCentral-Webhook/8.3 (scenario)"}, {"Verification-Token", token}};
}

// DELETE on the emulator's control API; the HTTP status (0 when it did not answer).
int EmulatorDelete(Scenario& s, const std::string& path) {
  httplib::Client client("127.0.0.1", s.emulator_port());
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  const auto res = client.Delete(path.c_str());
  return res ? res->status : 0;
}

// A platform's `Validation-Token` handshake on the subscription's address.
RawResponse Handshake(Scenario& s) {
  const std::string request = "POST " + s.webhook_path() +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(s.webhooks_port()) +
                              "\r\nValidation-Token: relay-scenario-token\r\n"
                              "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n";
  return RawExchange(s.webhooks_port(), request, 3000ms);
}

}  // namespace

TEST_CASE("events are relayed to deliver_to signed and byte for byte in order",
          "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, ""));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  std::vector<std::string> uuids;
  for (int i = 0; i < 5; ++i) {
    // Non-ASCII, escapes and spacing: a re-serialised body would differ from the original.
    const auto n = Notify(s, id, "relay-order-" + std::to_string(i),
                          {{"n", i}, {"text", "caf\u00e9 \"q\" \\ \u2603"}, {"e", 1.50}});
    CHECK(n.keeper_status == 200);
    uuids.push_back(n.uuid);
  }
  const bool all = sink.WaitFor(
      [&](const auto& requests) { return DeliveredOf(requests, uuids).size() == uuids.size(); },
      20s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(all);
  CHECK(DeliveredOf(requests, uuids) == uuids);

  const std::string key = s.signing_key();
  for (const auto& r : requests) {
    INFO("request #" << r.index << " id " << r.Header("webhook-id") << " body " << r.body);
    CHECK(r.method == "POST");
    CHECK(SignedWith(r, key));
    CHECK_FALSE(SignedWith(r, key + "x"));
    CHECK(r.Header("content-type").rfind("application/json", 0) == 0);
    const auto stored = EventOf(s, r.Header("webhook-id"));
    REQUIRE(stored.has_value());
    CHECK(r.body == stored->body);
    CHECK(json::parse(r.body).value("uuid", "") == r.Header("webhook-id"));
  }
  // The app's 2xx is recorded, so a restart does not send them again.
  CHECK(WaitFor([&] { return InState(s, uuids, "delivered"); }, 10s));
}

TEST_CASE("a failing app gets retries with backoff and then every event in order",
          "[integration][relay]") {
  AppSink sink;
  sink.SetStatus(kPath, 500);
  // Another Standard Webhooks secret than the default: whsec_ + base64 of 32 bytes.
  ScenarioOptions options = RelayedTo(sink, "  min_backoff: 1\n  max_backoff: 2\n");
  options.signing_secrets = {"whsec_c2NlbmFyaW8tc2lnbmluZy1rZXktdHdvLTMyYnl0ZXM="};
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  std::vector<std::string> uuids;
  for (int i = 0; i < 3; ++i) {
    const auto n = Notify(s, id, "relay-retry-" + std::to_string(i), {{"n", i}});
    CHECK(n.keeper_status == 200);  // stored: the app's health is not the platform's concern
    uuids.push_back(n.uuid);
  }
  const bool retried = sink.WaitFor(
      [&](const auto& requests) { return WithId(requests, uuids[0]).size() >= 3; }, 20s);
  const auto failing = sink.RequestsTo(kPath);
  INFO("app received while failing:\n" << Describe(failing));
  REQUIRE(retried);
  // In order: nothing behind the failing head was tried.
  CHECK(WithId(failing, uuids[0]).size() == failing.size());
  // Backoff: min_backoff 1 s with equal jitter puts at least 0.5 s between attempts.
  for (size_t i = 1; i < failing.size(); ++i) {
    CHECK(failing[i].arrived - failing[i - 1].arrived >= 450ms);
  }
  const auto head = EventOf(s, uuids[0]);
  REQUIRE(head.has_value());
  CHECK(head->relay_state == store::RelayState::kPending);
  CHECK(head->attempts >= 2);
  CHECK(head->last_error.find("500") != std::string::npos);
  const auto view = s.View();
  REQUIRE(view.has_value());
  INFO("view: " << view->dump());
  CHECK(view->value("relay", json::object()).value("pending", -1) == 3);
  CHECK(view->value("relay", json::object()).value("last_error", json()).is_string());

  sink.SetStatus(kPath, 200);
  const bool all = sink.WaitFor(
      [&](const auto& requests) { return DeliveredOf(requests, uuids).size() == uuids.size(); },
      20s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(all);
  CHECK(DeliveredOf(requests, uuids) == uuids);
  for (const auto& r : requests) {
    CHECK(SignedWith(r, "scenario-signing-key-two-32bytes"));
    CHECK_FALSE(SignedWith(r, relay::SigningKey(relay::NewSigningSecret()).value()));
    CHECK_FALSE(SignedWith(r, s.webhook_secret()));
  }
}

TEST_CASE("a stalled app never slows the answers to the platform", "[integration][relay]") {
  AppSink sink;
  sink.Stall(kPath, 20s);
  Scenario s(RelayedTo(sink, "  timeout_ms: 1500\n  min_backoff: 1\n  max_backoff: 1\n"));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  std::vector<std::string> uuids = {Notify(s, id, "relay-stall-0", {{"n", 0}}).uuid};
  REQUIRE(sink.WaitFor([](const auto& requests) { return !requests.empty(); }, 10s));
  REQUIRE(sink.Held() >= 1);  // the relay is now waiting on the app

  // Correctness bounds, not benchmarks: the platform gives up on a webhook after 3 s.
  for (int i = 1; i <= 5; ++i) {
    const auto n = Notify(s, id, "relay-stall-" + std::to_string(i), {{"n", i}});
    CHECK(n.keeper_status == 200);
    CHECK(n.took < 1000ms);
    uuids.push_back(n.uuid);
  }
  const auto handshake = Handshake(s);
  INFO("handshake: " << handshake.error << "\n" << handshake.bytes);
  CHECK(handshake.status == 200);
  CHECK(handshake.elapsed < 1000ms);
  const auto start = Clock::now();
  const auto direct = s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()),
                                    Envelope("relay-stall-direct", id));
  CHECK(direct.status == 200);
  CHECK(Since(start) < 1000ms);
  uuids.push_back("relay-stall-direct");
  CHECK(sink.Held() >= 1);  // still stalled while all of that was answered

  sink.ReleaseStalls(kPath);
  const bool all = sink.WaitFor(
      [&](const auto& requests) { return DeliveredOf(requests, uuids).size() == uuids.size(); },
      20s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(all);
  CHECK(DeliveredOf(requests, uuids) == uuids);
}

TEST_CASE("an event the app refuses past max_age is dead until replayed", "[integration][relay]") {
  AppSink sink;
  sink.SetStatus(kPath, 503);
  Scenario s(RelayedTo(sink, "  max_age: 2\n  min_backoff: 1\n  max_backoff: 1\n"));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  const std::string uuid = Notify(s, id, "relay-dead-0", {{"n", 0}}).uuid;
  const bool dead = WaitFor(
      [&] {
        const auto e = EventOf(s, uuid);
        return e && e->relay_state == store::RelayState::kDead;
      },
      20s, 100ms);
  INFO("app received:\n" << Describe(sink.RequestsTo(kPath)));
  REQUIRE(dead);
  const auto record = EventOf(s, uuid);
  CHECK(record->attempts >= 1);
  CHECK(record->last_error.find("503") != std::string::npos);
  // The status page shows the dead letter.
  const auto view = s.View();
  REQUIRE(view.has_value());
  INFO("view: " << view->dump());
  CHECK(view->value("relay", json::object()).value("dead", -1) == 1);
  CHECK(view->value("relay", json::object()).value("pending", -1) == 0);
  const auto refused = WithId(sink.RequestsTo(kPath), uuid);
  CHECK(!refused.empty());
  CHECK(std::none_of(refused.begin(), refused.end(), [](const auto& r) { return r.ok(); }));

  sink.SetStatus(kPath, 200);
  const auto run =
      s.RunCli({"replay", "-c", s.config_path(), "--account", "main", "sms", "--dead"});
  INFO("replay: exit " << run.exit_code << "\nout: " << run.out << "\nerr: " << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("Queued 1 dead") != std::string::npos);
  // The running keeper picks the requeued event up by itself.
  const bool delivered = sink.WaitFor(
      [&](const auto& requests) { return !DeliveredOf(requests, {uuid}).empty(); }, 15s);
  INFO("app received:\n" << Describe(sink.RequestsTo(kPath)));
  CHECK(delivered);
  CHECK(WaitFor([&] { return InState(s, {uuid}, "delivered"); }, 10s));

  // Without --dead, delivered events are sent again too (an app that lost its data).
  const auto again = s.RunCli({"replay", "-c", s.config_path(), "--since", "1h"});
  INFO("replay --since: exit " << again.exit_code << "\nout: " << again.out
                               << "\nerr: " << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Queued 1 ") != std::string::npos);
  CHECK(sink.WaitFor(
      [&](const auto& requests) {
        const auto sent = WithId(requests, uuid);
        return std::count_if(sent.begin(), sent.end(), [](const auto& r) { return r.ok(); }) >= 2;
      },
      15s));
}

TEST_CASE("a purged subscription is announced to the app with its inactive window",
          "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, "", /*short_lived=*/true));
  const std::string old_id = s.WaitForActive(20s);
  REQUIRE_FALSE(old_id.empty());
  REQUIRE(s.EmulatorPost("/_emulator/subscriptions/" + old_id + "/purge").status == 200);
  const std::string new_id = s.WaitForActive(30s, old_id);
  REQUIRE_FALSE(new_id.empty());

  const bool told = sink.WaitFor(
      [](const auto& r) { return Lifecycle(r, "subscription.recreated").has_value(); }, 15s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(told);
  const auto event = *Lifecycle(requests, "subscription.recreated");
  INFO("lifecycle body: " << event.body);
  CHECK(SignedWith(event, s.signing_key()));
  const json body = json::parse(event.body);
  const json data = body.value("data", json::object());
  CHECK(data.value("account", "") == "main");
  CHECK(data.value("subscription", "") == "sms");
  CHECK(data.value("subscriptionId", "") == new_id);
  CHECK(data.value("previousSubscriptionId", "") == old_id);
  REQUIRE(data.contains("inactiveFrom"));
  REQUIRE(data.contains("inactiveUntil"));
  // ISO 8601 UTC strings of one format order as times.
  CHECK(data["inactiveFrom"].get<std::string>() <= data["inactiveUntil"].get<std::string>());
  const auto stored = EventOf(s, event.Header("webhook-id"));
  REQUIRE(stored.has_value());
  CHECK(stored->kind == store::EventKind::kLifecycle);
  CHECK(stored->body == event.body);
}

TEST_CASE("a blacklisted subscription is announced and then its recreation",
          "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, "", /*short_lived=*/true));
  const std::string old_id = s.WaitForActive(20s);
  REQUIRE_FALSE(old_id.empty());
  REQUIRE(s.EmulatorPost("/_emulator/subscriptions/" + old_id + "/blacklist",
                         {{"reason", "scenario: blacklisted by the test"}})
              .status == 200);
  const std::string new_id = s.WaitForActive(30s, old_id);
  REQUIRE_FALSE(new_id.empty());

  const bool told = sink.WaitFor(
      [](const auto& r) {
        return Lifecycle(r, "subscription.blacklisted") && Lifecycle(r, "subscription.recreated");
      },
      15s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(told);
  const auto blacklisted = *Lifecycle(requests, "subscription.blacklisted");
  const auto recreated = *Lifecycle(requests, "subscription.recreated");
  CHECK(blacklisted.index < recreated.index);
  const json b = json::parse(blacklisted.body).value("data", json::object());
  INFO("blacklisted: " << blacklisted.body << "\nrecreated: " << recreated.body);
  CHECK(b.value("subscription", "") == "sms");
  CHECK_FALSE(b.value("reason", "").empty());
  const json r = json::parse(recreated.body).value("data", json::object());
  CHECK(r.value("previousSubscriptionId", "") == old_id);
  CHECK(r.value("subscriptionId", "") == new_id);
  CHECK(r.contains("inactiveFrom"));
  CHECK(r.contains("inactiveUntil"));
}

TEST_CASE("renewals failing in a row are announced and so is the recovery",
          "[integration][relay]") {
  AppSink sink;
  ScenarioOptions options = RelayedTo(sink, "  failure_events_after: 3\n");
  // Reminders from 10 s before expiry, every 5 s; renewal backoff 1..4 s (harness): three
  // failures fit well before the expiry.
  options.expires_in_s = 20;
  options.threshold_s = 10;
  options.interval_s = 5;
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const json fault = {{"kind", "status"},
                      {"status", 503},
                      {"count", 100},
                      {"method", "POST"},
                      {"pathPrefix", "/restapi/v1.0/subscription/" + id + "/renew"}};
  REQUIRE(s.EmulatorPost("/_emulator/faults", fault).status / 100 == 2);

  const bool failing = sink.WaitFor(
      [](const auto& r) { return Lifecycle(r, "subscription.renewal_failing").has_value(); }, 20s);
  INFO("app received:\n" << Describe(sink.RequestsTo(kPath)));
  REQUIRE(failing);
  REQUIRE(EmulatorDelete(s, "/_emulator/faults") / 100 == 2);
  const auto event = *Lifecycle(sink.RequestsTo(kPath), "subscription.renewal_failing");
  INFO("renewal_failing: " << event.body);
  const json data = json::parse(event.body).value("data", json::object());
  CHECK(data.value("subscriptionId", "") == id);
  CHECK(data.value("failures", 0) == 3);
  CHECK_FALSE(data.value("lastError", "").empty());
  CHECK(data.contains("expiresAt"));
  CHECK(event.body.find(s.verification_token()) == std::string::npos);
  CHECK(event.body.find(s.webhook_secret()) == std::string::npos);

  // The next renewal succeeds; the app hears that the streak is over (announced once).
  const bool recovered = sink.WaitFor(
      [](const auto& r) { return Lifecycle(r, "subscription.renewal_recovered").has_value(); },
      20s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  CHECK(recovered);
  std::set<std::string> failing_ids;
  for (const auto& r : requests) {
    if (r.body.find("subscription.renewal_failing") != std::string::npos) {
      failing_ids.insert(r.Header("webhook-id"));
    }
  }
  CHECK(failing_ids.size() == 1);
}

TEST_CASE("reminders renew the subscription and are never relayed", "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, "", /*short_lived=*/true));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  std::set<std::string> reminders;
  const bool reminded = WaitFor(
      [&] {
        for (const auto& d : s.Deliveries()) {
          if (d.value("kind", "") == "reminder" && d.value("status", 0) == 200) {
            reminders.insert(d.value("uuid", ""));
          }
        }
        return reminders.size() >= 2;
      },
      25s, 200ms);
  REQUIRE(reminded);
  // Events of one subscription go out in order: once this one is delivered, any reminder
  // received before it would have been too.
  const std::string barrier = Notify(s, s.WaitForActive(10s), "relay-barrier", {}).uuid;
  REQUIRE(sink.WaitFor([&](const auto& r) { return !DeliveredOf(r, {barrier}).empty(); }, 15s));

  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  for (const auto& r : requests) {
    CHECK(reminders.count(r.Header("webhook-id")) == 0);
    CHECK(r.body.find("threshold=") == std::string::npos);
  }
  for (const auto& uuid : reminders) {
    const auto stored = EventOf(s, uuid);
    if (!stored) continue;  // a reminder need not be stored; it must not be relayed
    CHECK(stored->kind == store::EventKind::kReminder);
    CHECK(stored->relay_state == store::RelayState::kNone);
  }
}

TEST_CASE("a request the keeper rejects is neither stored nor relayed", "[integration][relay]") {
  AppSink sink;
  ScenarioOptions options = RelayedTo(sink, "");
  options.extra_config = "server:\n  max_body_bytes: 4096\n";
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const std::string token = s.verification_token();

  struct Rejected {
    std::string what, uuid, path, body;
    Headers headers;
    int status;
  };
  const std::string big = json{{"uuid", "rejected-413"},
                               {"subscriptionId", id},
                               {"event", "/restapi/v1.0/account/1/extension/2/presence"},
                               {"body", {{"pad", std::string(8000, 'x')}}}}
                              .dump();
  const std::vector<Rejected> cases = {
      {"wrong token", "rejected-403a", s.webhook_path(), Envelope("rejected-403a", id),
       WithToken(token + "x"), 403},
      {"no token", "rejected-403b", s.webhook_path(), Envelope("rejected-403b", id), {}, 403},
      {"body over the limit", "rejected-413", s.webhook_path(), big, WithToken(token), 413},
      {"malformed JSON", "rejected-400", s.webhook_path(),
       R"({"uuid":"rejected-400","subscriptionId":")" + id + "\",", WithToken(token), 400},
      {"unknown subscription", "rejected-404a", "/webhooks/main/nope",
       Envelope("rejected-404a", id), WithToken(token), 404},
      {"unknown path", "rejected-404b", "/elsewhere", Envelope("rejected-404b", id),
       WithToken(token), 404},
  };
  for (const auto& c : cases) {
    const auto reply = s.WebhookPost(c.path, c.headers, c.body);
    INFO(c.what << ": " << reply.status << " " << reply.body << " " << reply.error);
    CHECK(reply.status == c.status);
    CHECK(reply.Json().is_object());
    CHECK(reply.Json().value("error", "") != "");
    CHECK(reply.body.size() <= 256);
  }
  // Everything accepted before the barrier has been relayed once the barrier is.
  const auto barrier = s.WebhookPost(s.webhook_path(), WithToken(token), Envelope("accepted", id));
  REQUIRE(barrier.status == 200);
  REQUIRE(sink.WaitFor([](const auto& r) { return !DeliveredOf(r, {"accepted"}).empty(); }, 15s));

  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(StoredCount(s.db_path(), c.uuid) == 0);
    for (const auto& r : requests) CHECK(r.body.find(c.uuid) == std::string::npos);
  }
  CHECK(StoredCount(s.db_path(), "accepted") == 1);
}

// The attack of issue 14: a valid Verification-Token and a uuid (JSON-escaped in the body) that,
// relayed as webhook-id, would add headers or a second request to the app's request; or a NUL
// or 10 KB one the app refuses, holding the subscription's later events. And a handshake token
// with control characters echoed into the keeper's own answer.
TEST_CASE("a uuid the relay cannot send is refused 400, never stored or relayed",
          "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink, ""));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const std::string token = s.verification_token();

  const std::vector<std::string> uuids = {
      "u1\r\nX-Injected: 1",
      "u2\r\nContent-Length: 0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: app\r\n\r\n",
      std::string("u3\0tail", 7), std::string(10240, 'u'), std::string(129, '7')};
  for (const auto& uuid : uuids) {
    const auto reply = s.WebhookPost(s.webhook_path(), WithToken(token), Envelope(uuid, id));
    INFO("uuid of " << uuid.size() << " bytes: " << reply.status << " " << reply.body << " "
                    << reply.error);
    CHECK(reply.status == 400);
    CHECK(reply.Json().value("error", "").find("uuid") != std::string::npos);
    CHECK(reply.body.find("Injected") == std::string::npos);
    CHECK(StoredCount(s.db_path(), uuid) == 0);
  }
  // The longest uuid allowed goes through, and once it is relayed everything before it would
  // have been.
  const std::string longest(128, '7');
  REQUIRE(s.WebhookPost(s.webhook_path(), WithToken(token), Envelope(longest, id)).status == 200);
  REQUIRE(sink.WaitFor([&](const auto& r) { return !DeliveredOf(r, {longest}).empty(); }, 15s));
  const auto requests = sink.Requests();
  INFO("app received:\n" << Describe(requests));
  CHECK(requests.size() == 1);
  for (const auto& r : requests) {
    CHECK(r.path == kPath);
    CHECK(r.headers.count("x-injected") == 0);
    CHECK(r.Header("webhook-id") == longest);
  }
  const auto stored = s.Events();
  CHECK(std::count_if(stored.begin(), stored.end(),
                      [](const auto& e) { return e.kind == store::EventKind::kEvent; }) == 1);

  // The handshake echoes a plain token, and refuses one with control characters.
  const std::string head = "POST " + s.webhook_path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const auto bad = RawExchange(
      s.webhooks_port(),
      head + "Validation-Token: tok\x01X-Injected: 1\r\nContent-Length: 0\r\n\r\n", 3000ms);
  INFO("handshake: " << bad.error << "\n" << bad.bytes);
  CHECK(bad.status == 400);
  CHECK(bad.headers.count("validation-token") == 0);
  CHECK(bad.headers.count("x-injected") == 0);
  CHECK(bad.body.find("validation token") != std::string::npos);
  const auto good = RawExchange(
      s.webhooks_port(), head + "Validation-Token: tok-1\r\nContent-Length: 0\r\n\r\n", 3000ms);
  CHECK(good.status == 200);
  CHECK(good.headers.count("validation-token") == 1);
  CHECK(good.bytes.find(": tok-1\r\n") != std::string::npos);
}

// An app that refuses one event with a 4xx used to hold every later event of the subscription
// until relay.max_age (a day by default).
TEST_CASE("an event the app refuses with a 4xx is dead-lettered, later ones flow, the app is told",
          "[integration][relay]") {
  AppSink sink;
  Scenario s(RelayedTo(sink,
                       "  min_backoff: 1\n  max_backoff: 1\n"
                       "  max_client_error_attempts: 2\n"));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  sink.FailNext(kPath, 2, 400);  // the head's two attempts; a third would be accepted

  const std::string refused = Notify(s, id, "relay-refused-0", {{"n", 0}}).uuid;
  const std::string later = Notify(s, id, "relay-refused-1", {{"n", 1}}).uuid;
  const bool told = sink.WaitFor(
      [&](const auto& r) {
        return !DeliveredOf(r, {later}).empty() &&
               Lifecycle(r, "subscription.delivery_dead_lettered").has_value();
      },
      20s);
  const auto requests = sink.RequestsTo(kPath);
  INFO("app received:\n" << Describe(requests));
  REQUIRE(told);
  const auto attempts = WithId(requests, refused);
  CHECK(attempts.size() == 2);
  CHECK(std::none_of(attempts.begin(), attempts.end(), [](const auto& r) { return r.ok(); }));
  const auto record = EventOf(s, refused);
  REQUIRE(record.has_value());
  CHECK(record->relay_state == store::RelayState::kDead);
  CHECK(record->attempts == 2);
  CHECK(record->last_error.find("HTTP 400") == 0);
  CHECK(WaitFor([&] { return InState(s, {later}, "delivered"); }, 10s));

  const auto event = *Lifecycle(requests, "subscription.delivery_dead_lettered");
  INFO("lifecycle: " << event.body);
  CHECK(event.Header("subkeeper-event-kind") == "lifecycle");
  CHECK(SignedWith(event, s.signing_key()));
  const auto later_delivery = WithId(requests, later);
  REQUIRE_FALSE(later_delivery.empty());
  CHECK(later_delivery.front().index < event.index);  // queued behind what was waiting
  const json data = json::parse(event.body).value("data", json::object());
  CHECK(data.value("account", "") == "main");
  CHECK(data.value("subscription", "") == "sms");
  CHECK(data.value("subscriptionId", "") == id);
  CHECK(data.value("eventId", "") == refused);
  CHECK(data.value("attempts", 0) == 2);
  CHECK(data.value("lastStatus", 0) == 400);
  CHECK(data.value("reason", "") == "client_error");
  CHECK(data.contains("receivedAt"));
  CHECK(s.HistoryHas("dead_lettered"));
  // Told once.
  int told_count = 0;
  for (const auto& r : requests) {
    if (r.body.find("subscription.delivery_dead_lettered") != std::string::npos && r.ok()) {
      ++told_count;
    }
  }
  CHECK(told_count == 1);
}

TEST_CASE("a notification not committed in budget gets 503 and its retry is stored",
          "[integration][relay]") {
  AppSink sink;
  ScenarioOptions options = RelayedTo(sink, "");
  options.extra_config = "server:\n  commit_budget_ms: 500\n";
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const std::string envelope = Envelope("busy-0", id);
  {
    // Another writer holds the database: the keeper cannot commit.
    SQLite::Database db(s.db_path(), SQLite::OPEN_READWRITE);
    SQLite::Transaction lock(db, SQLite::TransactionBehavior::EXCLUSIVE);
    const auto start = Clock::now();
    const auto reply = s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()), envelope);
    INFO("answer while locked: " << reply.status << " " << reply.body << " " << reply.error);
    CHECK(reply.status == 503);
    CHECK(reply.Json().value("error", "") != "");
    CHECK(Since(start) < 3000ms);
  }  // rolled back: the lock is gone
  // The platform retries; the retry is stored once (even if the first attempt was committed
  // after its deadline) and relayed.
  const bool accepted = WaitFor(
      [&] {
        return s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()), envelope)
                   .status == 200;
      },
      10s, 200ms);
  REQUIRE(accepted);
  CHECK(StoredCount(s.db_path(), "busy-0") == 1);
  CHECK(sink.WaitFor([](const auto& r) { return !DeliveredOf(r, {"busy-0"}).empty(); }, 15s));
}

TEST_CASE("the app sink answers as programmed and records every request", "[sink]") {
  AppSink sink;
  httplib::Client client("127.0.0.1", sink.port());
  client.set_read_timeout(std::chrono::seconds(5));
  auto post = [&](const std::string& path) {
    const auto res = client.Post(path.c_str(), {{"Webhook-Id", path}}, "{}", "application/json");
    return res ? res->status : 0;
  };
  sink.FailNext("/a", 2, 503);
  CHECK(post("/a") == 503);
  CHECK(post("/a") == 503);
  CHECK(post("/a") == 200);
  CHECK(post("/b") == 200);
  sink.SetStatus("/b", 410);
  CHECK(post("/b") == 410);

  sink.Stall("/c", 10s);
  std::thread stalled([&] {
    httplib::Client other("127.0.0.1", sink.port());
    other.set_read_timeout(std::chrono::seconds(10));
    const auto res = other.Post("/c", {{"Webhook-Id", "/c"}}, "{}", "application/json");
    CHECK((res && res->status == 200));
  });
  REQUIRE(sink.WaitFor([](const auto& r) { return r.size() == 6; }, 5s));
  CHECK(sink.Held() == 1);
  sink.ReleaseStalls("/c");
  stalled.join();
  CHECK(sink.Held() == 0);
  CHECK_FALSE(sink.WaitFor([](const auto& r) { return r.size() > 6; }, 50ms));

  const auto requests = sink.Requests();
  REQUIRE(requests.size() == 6);
  CHECK(requests[0].Header("WEBHOOK-ID") == "/a");
  CHECK(requests[5].stalled);
  CHECK(FirstDeliveries(requests) == std::vector<std::string>{"/a", "/b", "/c"});
  CHECK(sink.RequestsTo("/b").size() == 2);
}

}  // namespace subkeeper::testing
