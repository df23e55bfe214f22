#include "subkeeper/relay/lifecycle.h"

#include <nlohmann/json.hpp>

#include "subkeeper/common/crypto.h"
#include "subkeeper/common/time_format.h"

namespace subkeeper::relay {
namespace {

using nlohmann::json;

bool IsSet(WallTime t) { return t != WallTime{}; }

// Recreated: the window is only sent when there was one, so an app can tell "backfill this
// range" from "nothing was missed" (make-before-break) by the key's presence alone.
void AddRecreated(const LifecycleFacts& facts, json& data) {
  data["previousSubscriptionId"] = facts.previous_subscription_id;
  if (IsSet(facts.inactive_from)) {
    data["inactiveFrom"] = FormatIso8601(facts.inactive_from);
    if (IsSet(facts.inactive_until)) data["inactiveUntil"] = FormatIso8601(facts.inactive_until);
  }
  data["reason"] = facts.reason;
}

void AddFailing(const LifecycleFacts& facts, json& data) {
  data["failures"] = facts.failures;
  data["lastError"] = facts.last_error;
  if (IsSet(facts.expires_at)) data["expiresAt"] = FormatIso8601(facts.expires_at);
}

void AddDeadLettered(const LifecycleFacts& facts, json& data) {
  data["eventId"] = facts.event_id;
  data["event"] = facts.event;
  if (IsSet(facts.event_received_at)) data["receivedAt"] = FormatIso8601(facts.event_received_at);
  data["attempts"] = facts.attempts;
  if (facts.last_status != 0) data["lastStatus"] = facts.last_status;
  data["lastError"] = facts.last_error;
  data["reason"] = facts.reason;
}

json Data(const LifecycleFacts& facts) {
  json data = {{"account", facts.account},
               {"subscription", facts.name},
               {"subscriptionId", facts.subscription_id}};
  if (facts.type == "recreated") {
    AddRecreated(facts, data);
  } else if (facts.type == "blacklisted") {
    data["reason"] = facts.reason;
  } else if (facts.type == "renewal_failing") {
    AddFailing(facts, data);
  } else if (facts.type == "delivery_dead_lettered") {
    AddDeadLettered(facts, data);
  } else if (facts.type == "renewal_recovered") {
    if (facts.failures > 0) data["failures"] = facts.failures;
  } else if (!facts.reason.empty()) {
    data["reason"] = facts.reason;
  }
  return data;
}

}  // namespace

std::string NewLifecycleEventId() {
  std::string hex = RandomHex(16);
  hex[12] = '4';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

store::EventRecord MakeLifecycleEvent(const LifecycleFacts& facts, WallTime now, std::string uuid) {
  const json body = {{"type", "subscription." + facts.type},
                     {"timestamp", FormatIso8601(now)},
                     {"data", Data(facts)}};
  store::EventRecord event;
  event.uuid = std::move(uuid);
  event.account = facts.account;
  event.name = facts.name;
  event.subscription_id = facts.subscription_id;
  event.event = "subkeeper:" + facts.type;
  // Platform error texts may carry bytes that are not UTF-8; replacing them keeps dump() from
  // throwing and the body valid JSON.
  event.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  event.received_at = now;
  event.kind = store::EventKind::kLifecycle;
  event.relay_state = store::RelayState::kPending;
  return event;
}

}  // namespace subkeeper::relay
