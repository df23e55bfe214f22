// Lifecycle events subkeeper sends to the app through the relay, so it can react: a subscription
// recreated (with the window in which it may have missed events, to backfill), blacklisted,
// failing to renew and recovered, or an event the app refused for good. Built here (pure) and
// queued by the renewal service (or the relay, for delivery_dead_lettered) in the outbox of the
// history row that records the change, in the same transaction. docs/lifecycle-events.md is the
// app developer's reference; keep the two in step.
//
// Body (Standard Webhooks payload shape), relayed with kind "lifecycle":
//   {"type": "subscription.recreated" | "subscription.blacklisted" |
//            "subscription.renewal_failing" | "subscription.renewal_recovered" |
//            "subscription.delivery_dead_lettered",
//    "timestamp": "<ISO 8601 UTC, ms>",
//    "data": {"account": "...", "subscription": "<name>", "subscriptionId": "<current id or "">",
//             "previousSubscriptionId": "...",          (recreated)
//             "inactiveFrom": "...", "inactiveUntil": "...",  (recreated, when there was a gap)
//             "reason": "...",                          (blacklisted, recreated)
//             "failures": N, "lastError": "...",        (renewal_failing)
//             "expiresAt": "...",                       (renewal_failing: when it will lapse)
//             "failures": N,                            (renewal_recovered: the streak it ends)
//             "eventId": "...", "event": "...",         (delivery_dead_lettered: the event's
//             "receivedAt": "...", "attempts": N,        webhook-id, filter, receipt, attempts,
//             "lastStatus": 4xx, "lastError": "...",     the app's answer (status only when it
//             "reason": "client_error" | "unsendable"}}  answered), why)
//
// Every reported renewal_failing streak ends with one renewal_recovered, whatever ended it (a
// renewal, an update, a create or a recreation; after a recreation it follows the recreated
// event, queued by the same history row).
//
// delivery_dead_lettered is queued by the relay (not the renewal service) when it dead-letters a
// notification the app refused with a client error, or one it could not send at all; never for
// a lifecycle event, so a refused lifecycle event cannot cause another one.
#pragma once
#include <optional>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/records.h"

namespace subkeeper::relay {

struct LifecycleFacts {
  std::string type;  // one of the five above, without the "subscription." prefix
  std::string account;
  std::string name;
  std::string subscription_id;
  std::string previous_subscription_id;
  // Recreated: [inactive_from, inactive_until] may have lost events. Unset = no gap (the new
  // subscription was made before the old one stopped, e.g. a rotation).
  WallTime inactive_from{};
  WallTime inactive_until{};
  std::string reason;
  int32_t failures = 0;
  std::string last_error;
  WallTime expires_at{};
  // delivery_dead_lettered: the dead event (uuid = its webhook-id, event = its filter string),
  // the attempts made, and the app's last HTTP status (0 = no answer: it was never sent).
  std::string event_id;
  std::string event;
  WallTime event_received_at{};
  int32_t attempts = 0;
  int last_status = 0;
};

// A random (version 4) UUID for a lifecycle event's uuid (its webhook-id).
std::string NewLifecycleEventId();

// The event to queue for the app. uuid = `uuid` (random, from the caller), kind "lifecycle",
// event = "subkeeper:" + type, relay_state "pending", received_at = `now`, body as above.
store::EventRecord MakeLifecycleEvent(const LifecycleFacts& facts, WallTime now, std::string uuid);

}  // namespace subkeeper::relay
