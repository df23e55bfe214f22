#include "subkeeper/relay/lifecycle.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace subkeeper::relay {
namespace {

using nlohmann::json;

const WallTime kNow = WallTime(Millis(1'700'000'100'250));
const WallTime kFrom = WallTime(Millis(1'700'000'000'000));
const WallTime kUntil = WallTime(Millis(1'700'000'090'500));
const WallTime kExpires = WallTime(Millis(1'700'000'120'000));

LifecycleFacts Facts(const std::string& type) {
  LifecycleFacts facts;
  facts.type = type;
  facts.account = "main";
  facts.name = "sms";
  facts.subscription_id = "sub-2";
  return facts;
}

json Body(const store::EventRecord& event) {
  auto body = json::parse(event.body, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

TEST_CASE("Every lifecycle event is a pending lifecycle row with the given uuid", "[relay]") {
  const std::string type = GENERATE(as<std::string>{}, "recreated", "blacklisted",
                                    "renewal_failing", "renewal_recovered");
  auto event = MakeLifecycleEvent(Facts(type), kNow, "sk-0123");
  CHECK(event.uuid == "sk-0123");
  CHECK(event.kind == store::EventKind::kLifecycle);
  CHECK(event.event == "subkeeper:" + type);
  CHECK(event.relay_state == store::RelayState::kPending);
  CHECK(event.account == "main");
  CHECK(event.name == "sms");
  CHECK(event.subscription_id == "sub-2");
  CHECK(event.received_at == kNow);
  CHECK(event.seq == 0);
  auto body = Body(event);
  CHECK(body["type"] == "subscription." + type);
  CHECK(body["timestamp"] == "2023-11-14T22:15:00.250Z");
  CHECK(body["data"]["account"] == "main");
  CHECK(body["data"]["subscription"] == "sms");
  CHECK(body["data"]["subscriptionId"] == "sub-2");
}

// Which keys of "data" each type carries beyond account/subscription/subscriptionId.
TEST_CASE("Each lifecycle type carries exactly its documented fields", "[relay]") {
  LifecycleFacts facts = Facts("recreated");
  facts.previous_subscription_id = "sub-1";
  facts.inactive_from = kFrom;
  facts.inactive_until = kUntil;
  facts.reason = "the platform no longer had sub-1";
  facts.last_error = "renew: unavailable: HTTP 503";
  facts.expires_at = kExpires;
  const auto [type, failures, keys] =
      GENERATE_COPY(table<std::string, int32_t, std::vector<std::string>>({
          {"recreated", 0, {"previousSubscriptionId", "inactiveFrom", "inactiveUntil", "reason"}},
          // A streak a recreation ends is closed by its own renewal_recovered, not a field here.
          {"recreated", 4, {"previousSubscriptionId", "inactiveFrom", "inactiveUntil", "reason"}},
          {"blacklisted", 0, {"reason"}},
          {"renewal_failing", 3, {"failures", "lastError", "expiresAt"}},
          {"renewal_recovered", 3, {"failures"}},
          {"renewal_recovered", 0, {}},
          {"delivery_dead_lettered",
           0,
           {"eventId", "event", "receivedAt", "attempts", "lastStatus", "lastError", "reason"}},
      }));
  facts.type = type;
  facts.failures = failures;
  facts.event_id = "6696560186430840563";
  facts.event_received_at = kFrom;
  facts.last_status = 400;
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  std::vector<std::string> want = {"account", "subscription", "subscriptionId"};
  want.insert(want.end(), keys.begin(), keys.end());
  std::sort(want.begin(), want.end());
  std::vector<std::string> got;
  for (const auto& item : data.items()) got.push_back(item.key());
  std::sort(got.begin(), got.end());
  CHECK(got == want);
}

TEST_CASE("A recreated event carries the previous id, the reason and the gap", "[relay]") {
  LifecycleFacts facts = Facts("recreated");
  facts.previous_subscription_id = "sub-1";
  facts.inactive_from = kFrom;
  facts.inactive_until = kUntil;
  facts.reason = "status Blacklisted";
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["inactiveFrom"] == "2023-11-14T22:13:20.000Z");
  CHECK(data["inactiveUntil"] == "2023-11-14T22:14:50.500Z");
  CHECK(data["reason"] == "status Blacklisted");
}

TEST_CASE("A recreated event without a gap has no window", "[relay]") {
  LifecycleFacts facts = Facts("recreated");
  facts.previous_subscription_id = "sub-1";
  facts.inactive_until = kUntil;  // without a start there is no window to backfill
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  CHECK_FALSE(data.contains("inactiveFrom"));
  CHECK_FALSE(data.contains("inactiveUntil"));
  CHECK(data["previousSubscriptionId"] == "sub-1");
}

TEST_CASE("A failing event says how often, why and when the subscription lapses", "[relay]") {
  LifecycleFacts facts = Facts("renewal_failing");
  facts.failures = 3;
  facts.last_error = "renew: unavailable: HTTP 503 CMN-211";
  facts.expires_at = kExpires;
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  CHECK(data["failures"] == 3);
  CHECK(data["lastError"] == "renew: unavailable: HTTP 503 CMN-211");
  CHECK(data["expiresAt"] == "2023-11-14T22:15:20.000Z");
  facts.expires_at = WallTime{};  // no live subscription: nothing to lapse
  CHECK_FALSE(Body(MakeLifecycleEvent(facts, kNow, "u"))["data"].contains("expiresAt"));
}

TEST_CASE("A blacklisted event carries the platform's reason", "[relay]") {
  LifecycleFacts facts = Facts("blacklisted");
  facts.subscription_id = "sub-1";
  facts.reason = "status Blacklisted: Webhook responses with code: [503]";
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  CHECK(data["reason"] == "status Blacklisted: Webhook responses with code: [503]");
  CHECK(data["subscriptionId"] == "sub-1");
}

TEST_CASE("A dead-lettered delivery names the event, the attempts and the app's answer",
          "[relay]") {
  LifecycleFacts facts = Facts("delivery_dead_lettered");
  facts.event_id = "6696560186430840563";
  facts.event = "/restapi/v1.0/account/~/extension/~/message-store";
  facts.event_received_at = kFrom;
  facts.attempts = 3;
  facts.last_status = 422;
  facts.last_error = "HTTP 422: {\"error\":\"unknown shape\"}";
  facts.reason = "client_error";
  auto event = MakeLifecycleEvent(facts, kNow, "sk-1");
  CHECK(event.event == "subkeeper:delivery_dead_lettered");
  CHECK(event.kind == store::EventKind::kLifecycle);
  auto body = Body(event);
  CHECK(body["type"] == "subscription.delivery_dead_lettered");
  json data = body["data"];
  CHECK(data["eventId"] == "6696560186430840563");
  CHECK(data["event"] == "/restapi/v1.0/account/~/extension/~/message-store");
  CHECK(data["receivedAt"] == "2023-11-14T22:13:20.000Z");
  CHECK(data["attempts"] == 3);
  CHECK(data["lastStatus"] == 422);
  CHECK(data["lastError"] == "HTTP 422: {\"error\":\"unknown shape\"}");
  CHECK(data["reason"] == "client_error");

  // Never sent: no status, and an id with control characters stays inside the JSON string.
  facts.last_status = 0;
  facts.reason = "unsendable";
  facts.event_id = "u\r\nX-Injected: 1";
  event = MakeLifecycleEvent(facts, kNow, "sk-2");
  CHECK(event.body.find('\r') == std::string::npos);
  CHECK(event.body.find('\n') == std::string::npos);
  data = Body(event)["data"];
  CHECK_FALSE(data.contains("lastStatus"));
  CHECK(data["eventId"] == "u\r\nX-Injected: 1");
  CHECK(data["reason"] == "unsendable");
}

TEST_CASE("NewLifecycleEventId is a random version 4 UUID", "[relay]") {
  const std::string a = NewLifecycleEventId();
  const std::string b = NewLifecycleEventId();
  CHECK(a != b);
  REQUIRE(a.size() == 36);
  CHECK(a[8] == '-');
  CHECK(a[13] == '-');
  CHECK(a[14] == '4');
  CHECK(std::string("89ab").find(a[19]) != std::string::npos);
}

TEST_CASE("Text that is not UTF-8 still gives a parseable body", "[relay]") {
  LifecycleFacts facts = Facts("renewal_failing");
  facts.failures = 1;
  facts.last_error = std::string("bad \xff\xfe bytes");
  auto data = Body(MakeLifecycleEvent(facts, kNow, "u"))["data"];
  CHECK(data["lastError"].get<std::string>().find("bad ") == 0);
}

}  // namespace
}  // namespace subkeeper::relay
