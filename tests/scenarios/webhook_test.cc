// Scenarios of the receive path on the keeper's public webhook port: the Validation-Token
// handshake as the platform checks it, and notifications accepted only with the right
// Verification-Token, stored once per uuid.
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
  return static_cast<int>(
      std::count_if(events.begin(), events.end(),
                    [](const store::EventRecord& e) { return e.kind != "reminder"; }));
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
  const std::string event = (*record)["eventFilters"][0].get<std::string>();
  const json envelope = {{"uuid", "scenario-uuid-0001"},
                         {"event", event},
                         {"timestamp", "2024-05-01T10:00:00.000Z"},
                         {"subscriptionId", id},
                         {"ownerId", "1234"},
                         {"body", {{"telephonyStatus", "Ringing"}}}};
  const std::string text = envelope.dump();
  const std::multimap<std::string, std::string> agent = {{"User-Agent", "scenario"}};
  const int before = CountNonReminders(s.Events());

  // Wrong or missing token: 403 with a JSON reason, nothing stored.
  auto wrong = agent;
  wrong.emplace("Verification-Token", s.verification_token() + "x");
  for (const auto& headers : {wrong, agent}) {
    const auto r = s.WebhookPost(s.webhook_path(), headers, text);
    INFO("answer without the right token: " << r.status << " " << r.body);
    CHECK(r.status == 403);
    CHECK(r.Json().is_object());
    CHECK(r.Json().contains("error"));
  }
  auto events = s.Events();
  CHECK(CountNonReminders(events) == before);
  CHECK(CountUuid(events, "scenario-uuid-0001") == 0);

  // The right token: 200 once committed; the same uuid again is acknowledged, not stored twice.
  auto right = agent;
  right.emplace("Verification-Token", s.verification_token());
  const auto first = s.WebhookPost(s.webhook_path(), right, text);
  INFO("first answer: " << first.status << " " << first.body);
  CHECK(first.status == 200);
  events = s.Events();
  REQUIRE(CountUuid(events, "scenario-uuid-0001") == 1);
  const auto stored = *std::find_if(events.begin(), events.end(),
                                    [](const auto& e) { return e.uuid == "scenario-uuid-0001"; });
  CHECK(stored.body == text);
  CHECK(stored.subscription_id == id);
  const auto again = s.WebhookPost(s.webhook_path(), right, text);
  INFO("repeat answer: " << again.status << " " << again.body);
  CHECK(again.status == 200);
  CHECK(CountUuid(s.Events(), "scenario-uuid-0001") == 1);

  // A notification the platform sends itself, with the token it was given at create.
  const auto notify = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                     {{"uuid", "scenario-notify-0001"}, {"body", {{"n", 1}}}});
  INFO("notify answer: " << notify.status << " " << notify.body);
  REQUIRE(notify.status == 200);
  CHECK(notify.Json().value("status", 0) == 200);
  events = s.Events();
  REQUIRE(CountUuid(events, "scenario-notify-0001") == 1);
  CHECK(std::find_if(events.begin(), events.end(), [&](const auto& e) {
          return e.uuid == "scenario-notify-0001" && e.subscription_id == id;
        }) != events.end());
}

}  // namespace subkeeper::testing
