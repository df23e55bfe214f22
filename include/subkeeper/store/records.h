// Value types persisted by the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/platform/types.h"
#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/key.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/trigger.h"

namespace subkeeper::store {

// Identifies a subscription record: unique per store.
using subscription::SubscriptionKey;

// When one condition of a subscription last changed status or reason (Kubernetes
// lastTransitionTime). The condition itself is derived, never stored.
struct ConditionTransition {
  std::string account;
  std::string name;
  std::string type;  // "Ready", "Renewing", …
  bool status = false;
  std::string reason;
  WallTime since{};
  bool operator==(const ConditionTransition&) const = default;
};

// The few fields of a record a webhook route is built from: reading only these makes the
// start-up walk over every record about half as costly as reading whole records.
struct SubscriptionHead {
  std::string account;
  std::string name;
  std::optional<subscription::ReminderSpec> reminder;  // nullopt in direct mode
  std::string token_fingerprint;
  std::string remote_id;
};

// One configured subscription: its desired definition, what the platform last said about it,
// and its renewal bookkeeping. Keyed by (account, name). A WallTime at the epoch means "unset".
struct SubscriptionRecord {
  std::string account;
  std::string name;

  // Desired definition, as last applied from the config.
  std::vector<std::string> event_filters;  // the user's filters, without the reminder filter
  int64_t expires_in_s = 0;                // requested lifetime
  // The reminder asked for in relay mode; nullopt in direct mode (see DeliveryModeOf). The
  // store keeps its filter string.
  std::optional<subscription::ReminderSpec> reminder;
  std::string address;     // the delivery address given to the platform
  std::string deliver_to;  // relay target; "" when none or in direct mode
  // One-way fingerprint of the verification token the remote subscription was created with
  // (see subscription::TokenFingerprint); a change means the webhook secret was rotated.
  // "" unknown.
  std::string token_fingerprint;

  // What the platform last said (never what we asked for).
  std::string remote_id;                      // "" when no remote subscription is known
  platform::RemoteStatus status;              // as returned; unknown before the first answer
  std::vector<std::string> remote_filters;    // as returned (with ~ rewritten to numeric ids)
  std::vector<std::string> disabled_filters;  // filters listed in disabledFilters
  std::string blacklisted_reason;             // blacklistedData.reason, "" when not blacklisted
  int64_t granted_ttl_s = 0;     // lifetime the platform granted at the last create/renew
  WallTime remote_created_at{};  // creationTime
  WallTime expires_at{};         // expirationTime as returned

  // Renewal bookkeeping.
  WallTime next_renewal_at{};  // the persisted fallback timer (or the next retry after a failure)
  WallTime last_renewed_at{};  // last successful renew or create
  subscription::RenewedBy last_trigger = subscription::RenewedBy::kNone;
  WallTime last_reminder_at{};        // last reminder received for the current remote id
  bool reminder_path_broken = false;  // a reminder was due and did not arrive
  // A create was sent and its outcome is unknown (timeout, dropped connection, 5xx): the
  // platform may have created it. The next create first lists the account and adopts a
  // subscription at `address` instead, so no duplicate is made. Cleared once a create answered.
  bool create_uncertain = false;
  int32_t failures = 0;    // consecutive failed attempts; 0 after a success
  std::string last_error;  // e.g. "unavailable: HTTP 503 …"; "" after a success
  WallTime last_error_at{};

  // Lease (read-only here: written only by TryAcquireLease / ReleaseLease).
  std::string lease_owner;
  WallTime lease_until{};

  WallTime updated_at{};  // set by the store on every write
};

// The fields of one record its conditions' statuses and its expiry are derived from, as
// Store::VisitSubscriptionStates passes them: the views point into the store's buffer and are
// valid only during the visitor's call (copy what must outlive it).
struct SubscriptionStateView {
  std::string_view account;
  std::string_view name;
  std::string_view remote_id;
  platform::RemoteStatus::Kind status = platform::RemoteStatus::Kind::kUnknown;
  subscription::DeliveryMode delivery = subscription::DeliveryMode::kDirect;
  WallTime expires_at{};
  int32_t failures = 0;
  bool reminder_path_broken = false;
  bool filters_disabled = false;  // disabled_filters is not empty
};

// The view of `record` (pointing into it).
inline SubscriptionStateView StateViewOf(const SubscriptionRecord& record) {
  SubscriptionStateView v;
  v.account = record.account;
  v.name = record.name;
  v.remote_id = record.remote_id;
  v.status = record.status.kind();
  v.delivery = subscription::DeliveryModeOf(record.reminder);
  v.expires_at = record.expires_at;
  v.failures = record.failures;
  v.reminder_path_broken = record.reminder_path_broken;
  v.filters_disabled = !record.disabled_filters.empty();
  return v;
}

// What an EventRecord holds. Typed in memory; the text is written only where it leaves the
// process (the store's kind column, the relay's subkeeper-event-kind header, log lines).
enum class EventKind {
  kEvent,      // a notification from the platform
  kReminder,   // the platform's reminder of a subscription's expiry (never relayed)
  kLifecycle,  // a lifecycle event subkeeper itself queued for the app
};

// "event", "reminder", "lifecycle".
std::string_view EventKindText(EventKind kind);
// The inverse of EventKindText; nullopt for any other text.
std::optional<EventKind> ParseEventKind(std::string_view text);

// Where an event stands with the relay.
enum class RelayState {
  kPending,    // to deliver (again at next_attempt_at)
  kDelivered,  // the app answered 2xx
  kDead,       // the relay gave up after the maximum age
  kNone,       // nothing to relay: a reminder, or a subscription without deliver_to
};

// "pending", "delivered", "dead", "none".
std::string_view RelayStateText(RelayState state);
// The inverse of RelayStateText; nullopt for any other text.
std::optional<RelayState> ParseRelayState(std::string_view text);

// A notification as received on the webhook listener, stored before it is acknowledged; or a
// lifecycle event subkeeper itself queued for the app (kind kLifecycle).
struct EventRecord {
  int64_t seq = 0;      // assigned by the store, increasing
  std::string uuid;     // the platform's notification uuid (ours for lifecycle), the dedupe key
  std::string account;  // the route it arrived on / the subscription it is about
  std::string name;
  std::string subscription_id;  // envelope subscriptionId
  std::string event;            // envelope event (the filter string); the type for lifecycle
  std::string body;             // the raw request body, byte for byte (relayed untouched)
  WallTime received_at{};
  EventKind kind = EventKind::kEvent;
  RelayState relay_state = RelayState::kPending;
  int32_t attempts = 0;        // delivery attempts made so far
  WallTime next_attempt_at{};  // unset = as soon as possible
  std::string last_error;      // why the last attempt failed ("" after success / none yet)
  WallTime delivered_at{};     // when the app answered 2xx
};

// What a history row records. Typed in memory; the text is written only where it leaves the
// process (the store's kind column, `subkeeper history`, metrics).
enum class HistoryKind {
  kCreated,
  kAdopted,
  kRenewed,
  kUpdated,
  kRecreated,
  kBlacklisted,
  kInactive,  // replaced because the platform no longer called it Active (not blacklisted)
  kDeleted,
  kFailed,
  kReminderMissing,
  kExpired,
  kDeadLettered,  // a relayed event the relay gave up on
};

// "created", "adopted", "renewed", "updated", "recreated", "blacklisted", "inactive", "deleted",
// "failed", "reminder_missing", "expired", "dead_lettered".
std::string_view HistoryKindText(HistoryKind kind);
// The inverse of HistoryKindText; nullopt for any other text.
std::optional<HistoryKind> ParseHistoryKind(std::string_view text);

// One row of the append-only lifecycle history.
struct HistoryEntry {
  int64_t id = 0;       // assigned by the store
  WallTime at{};        // unset = stamped by the store from its clock
  std::string account;  // unset when written with a record = that record's account / name
  std::string name;
  HistoryKind kind = HistoryKind::kCreated;
  std::string remote_id;
  // For renewed: kReminder | kTimer | kManual | kStartup; otherwise kNone.
  subscription::RenewedBy trigger = subscription::RenewedBy::kNone;
  std::string detail;  // reason or error code; never a secret
  // Lifecycle events for the app, queued in this order (InsertEvents semantics) in the same
  // transaction as this row, so the app hears of every recreation / blacklisting it must react
  // to, even across a crash. Not part of the stored history row.
  std::vector<EventRecord> outbox;
};

// Copies the desired definition of `desired` (filters, lifetime, reminder, address,
// relay target) into `record`, keeping its observed state and its token fingerprint, which
// describes the remote subscription.
inline void MergeDesired(const SubscriptionRecord& desired, SubscriptionRecord& record) {
  record.account = desired.account;
  record.name = desired.name;
  record.event_filters = desired.event_filters;
  record.expires_in_s = desired.expires_in_s;
  record.reminder = desired.reminder;
  record.address = desired.address;
  record.deliver_to = desired.deliver_to;
}

// True when `record` already has the desired definition of `desired` (MergeDesired would change
// nothing).
inline bool HasDesired(const SubscriptionRecord& desired, const SubscriptionRecord& record) {
  return record.event_filters == desired.event_filters &&
         record.expires_in_s == desired.expires_in_s && record.reminder == desired.reminder &&
         record.address == desired.address && record.deliver_to == desired.deliver_to;
}

// A history row about (account, name) at `at`; the store assigns its id.
inline HistoryEntry MakeHistory(WallTime at, std::string account, std::string name,
                                HistoryKind kind, std::string remote_id, std::string detail) {
  HistoryEntry entry;
  entry.at = at;
  entry.account = std::move(account);
  entry.name = std::move(name);
  entry.kind = kind;
  entry.remote_id = std::move(remote_id);
  entry.detail = std::move(detail);
  return entry;
}

struct HistoryQuery {
  std::string account;  // "" = all
  std::string name;     // "" = all
  int limit = 1000;     // newest rows first when limited; <= 0 = no limit
};

enum class InsertOutcome { kInserted, kDuplicate };

// The outcome of one delivery attempt, written by the relay.
struct RelayUpdate {
  RelayState relay_state = RelayState::kPending;  // kPending (retry at next_attempt_at),
                                                  // kDelivered or kDead
  int32_t attempts = 0;
  WallTime next_attempt_at{};
  std::string last_error;
  WallTime delivered_at{};
};

// Which events `subkeeper replay` sends again. Matching events go back to "pending" with
// attempts 0 and no wait; "pending" ones are left as they are.
struct ReplayQuery {
  std::string account;     // "" = all
  std::string name;        // "" = all
  WallTime since{};        // received at or after; unset = any time
  bool dead_only = false;  // only "dead" events; otherwise "dead" and "delivered"
};

// Relay counts of one subscription, for status and metrics.
struct RelayBacklog {
  std::string account;
  std::string name;
  int64_t pending = 0;
  int64_t dead = 0;
  int64_t delivered = 0;
  WallTime oldest_pending_at{};  // received_at of the oldest pending event; unset when none
  std::string last_error;        // last_error of the oldest pending event
};

// When the newest notification of (account, name) was received.
struct LastEvent {
  std::string account;
  std::string name;
  WallTime received_at{};
};

// One entry of the renewal schedule: a record whose next_renewal_at is set. Ordered by
// (next_renewal_at, account, name); that triple is also the paging key of ListSchedule.
struct ScheduleEntry {
  std::string account;
  std::string name;
  WallTime next_renewal_at{};
  bool operator==(const ScheduleEntry&) const = default;
};

}  // namespace subkeeper::store
