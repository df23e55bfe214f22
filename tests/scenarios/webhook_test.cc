// Scenarios of the receive path on the keeper's public webhook port: the Validation-Token
// handshake as the platform checks it, and notifications accepted only with the right
// Verification-Token, stored once per uuid.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "scenarios/raw_client.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

std::string HandshakeRequest(const Scenario& s, const std::string& token, bool content_length) {
  std::string request = "POST " + s.webhook_path() + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(s.webhooks_port()) + "\r\n";
  request += "Validation-Token: " + token + "\r\n";
  request += "User-Agent: RingCentral-Webhook/8.3 (scenario)\r\n";
  request += "Content-Type: application/json\r\n";
  if (content_length) request += "Content-Length: 0\r\n";
  return request + "\r\n";
}

int CountUuid(const std::vector<store::EventRecord>& events, const std::string& uuid) {
  return static_cast<int>(std::count_if(
      events.begin(), events.end(), [&](const store::EventRecord& e) { return e.uuid == uuid; }));
}

// Events of the route that are not reminders (the emulator may send those at any time).
int CountNonReminders(const std::vector<store::EventRecord>& events) {
  return static_cast<int>(std::count_if(
      events.begin(), events.end(),
      [](const store::EventRecord& e) { return e.kind != store::EventKind::kReminder; }));
}

using Headers = std::multimap<std::string, std::string>;

const Headers kAgent = {{"User-Agent", "RingCentral-Webhook/8.3 (scenario)"}};

Headers WithToken(const std::string& token) {
  Headers headers = kAgent;
  headers.emplace("Verification-Token", token);
  return headers;
}

// Without the right Verification-Token: 403 with a JSON reason, and nothing stored.
void ExpectRejected(Scenario& s, const std::string& envelope, const std::string& uuid) {
  const int before = CountNonReminders(s.Events());
  for (const auto& headers : {WithToken(s.verification_token() + "x"), kAgent}) {
    const auto r = s.WebhookPost(s.webhook_path(), headers, envelope);
    INFO("answer without the right token: " << r.status << " " << r.body);
    CHECK(r.status == 403);
    CHECK(r.Json().is_object());
    CHECK(r.Json().contains("error"));
  }
  const auto events = s.Events();
  CHECK(CountNonReminders(events) == before);
  CHECK(CountUuid(events, uuid) == 0);
}

// With it: 200 once committed (byte for byte); the same uuid again is acknowledged, not stored.
void ExpectStoredOnce(Scenario& s, const std::string& envelope, const std::string& uuid,
                      const std::string& id) {
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const auto r = s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()), envelope);
    INFO("attempt " << attempt << " answer: " << r.status << " " << r.body);
    CHECK(r.status == 200);
    const auto events = s.Events();
    REQUIRE(CountUuid(events, uuid) == 1);
    const auto stored =
        *std::find_if(events.begin(), events.end(), [&](const auto& e) { return e.uuid == uuid; });
    CHECK(stored.body == envelope);
    CHECK(stored.subscription_id == id);
  }
}

}  // namespace

TEST_CASE("the validation handshake is echoed fast and small, with or without Content-Length",
          "[integration]") {
  Scenario s;
  // Mixed case and punctuation: the echo must be byte for byte.
  const std::string token = "9fA3c2E1-77b0-4d1e-Bc5a-0e9F8d7C6b5a_x.Y~z";
  for (const bool content_length : {true, false}) {
    auto r = RawExchange(s.webhooks_port(), HandshakeRequest(s, token, content_length), 3000ms);
    INFO("Content-Length sent: " << content_length << "\nerror: " << r.error
                                 << "\nresponse bytes:\n"
                                 << r.bytes);
    REQUIRE(r.error.empty());
    CHECK(r.status == 200);
    CHECK(r.headers.count("validation-token") == 1);
    CHECK(r.headers["validation-token"] == token);
    CHECK(r.bytes.find(": " + token + "\r\n") != std::string::npos);
    CHECK(r.headers["content-type"].rfind("application/json", 0) == 0);
    CHECK(r.bytes.size() <= 1024);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.elapsed);
    CHECK(ms < 1000ms);
    if (ms > 100ms) WARN("handshake took " << ms.count() << " ms (target < 100 ms)");
  }
}

TEST_CASE("notifications need the right verification token and are stored once per uuid",
          "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  auto record = s.EmulatorRecord(id);
  REQUIRE(record.has_value());
  const std::string uuid = "scenario-uuid-0001";
  const std::string envelope = json{{"uuid", uuid},
                                    {"event", (*record)["eventFilters"][0]},
                                    {"timestamp", "2024-05-01T10:00:00.000Z"},
                                    {"subscriptionId", id},
                                    {"ownerId", "1234"},
                                    {"body", {{"telephonyStatus", "Ringing"}}}}
                                   .dump();
  ExpectRejected(s, envelope, uuid);
  ExpectStoredOnce(s, envelope, uuid, id);

  // A notification the platform sends itself, with the token it was given at create.
  const auto notify = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                     {{"uuid", "scenario-notify-0001"}, {"body", {{"n", 1}}}});
  INFO("notify answer: " << notify.status << " " << notify.body);
  REQUIRE(notify.status == 200);
  CHECK(notify.Json().value("status", 0) == 200);
  const auto events = s.Events();
  REQUIRE(CountUuid(events, "scenario-notify-0001") == 1);
  CHECK(std::find_if(events.begin(), events.end(), [&](const auto& e) {
          return e.uuid == "scenario-notify-0001" && e.subscription_id == id;
        }) != events.end());
}

TEST_CASE("readiness is 503 while notifications cannot be committed, and recovers",
          "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  CHECK(s.AdminGet("/readyz").status == 200);
  const auto envelope = [&](const std::string& uuid) {
    return json{{"uuid", uuid},
                {"event", "/restapi/v1.0/account/~/extension/~/presence"},
                {"timestamp", "2024-05-01T10:00:00.000Z"},
                {"subscriptionId", id},
                {"ownerId", "1234"},
                {"body", {{"n", 1}}}}
        .dump();
  };
  {
    // Stands in for a damaged page under the events table: every notification's insert fails,
    // while the meta row of the old write check (and the readiness probe's own row) still
    // commit, so only the ingest outcome can tell.
    SQLite::Database db(s.db_path(), SQLite::OPEN_READWRITE, 5000);
    db.exec(
        "CREATE TRIGGER events_broken BEFORE INSERT ON events "
        "WHEN NEW.uuid != 'subkeeper-readiness-probe' BEGIN "
        "SELECT RAISE(ABORT, 'database disk image is malformed'); END");
  }
  const auto refused =
      s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()), envelope("ready-1"));
  INFO("notification answer: " << refused.status << " " << refused.body);
  CHECK(refused.status == 503);
  const auto not_ready = s.AdminGet("/readyz");
  INFO("/readyz: " << not_ready.status << " " << not_ready.body);
  CHECK(not_ready.status == 503);
  CHECK(not_ready.Json().value("ready", true) == false);
  CHECK(not_ready.body.find("events cannot be committed") != std::string::npos);
  CHECK(not_ready.body.find("malformed") != std::string::npos);
  CHECK(s.AdminGet("/healthz").status == 200);  // alive all along: no restart wanted

  {
    SQLite::Database db(s.db_path(), SQLite::OPEN_READWRITE, 5000);
    db.exec("DROP TRIGGER events_broken");
  }
  const auto accepted =
      s.WebhookPost(s.webhook_path(), WithToken(s.verification_token()), envelope("ready-2"));
  CHECK(accepted.status == 200);
  const auto ready = s.AdminGet("/readyz");
  INFO("/readyz after: " << ready.status << " " << ready.body);
  CHECK(ready.status == 200);
}

}  // namespace subkeeper::testing
