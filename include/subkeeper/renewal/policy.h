// Pure renewal decisions: when the fallback timer fires, how long to back off, what a renew
// answer means. No I/O, no clock reads: "now" is an argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/types.h"
#include "subkeeper/store/records.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/trigger.h"

namespace subkeeper::renewal {

// What started a renewal.
enum class Trigger { kReminder, kTimer, kManual, kStartup };
const char* TriggerName(Trigger trigger);  // "reminder", "timer", "manual", "startup"
// The same, as the record and its history keep it.
subscription::RenewedBy RenewedByOf(Trigger trigger);

struct BackoffPolicy {
  Seconds min{2};
  Seconds max{300};
};

// Delay before retry number `attempt` (1 = first retry): min·2^(attempt-1) capped at max, then
// "equal jitter": a value in [d/2, d] picked by `unit_random` in [0, 1). Never below 1 s.
Seconds BackoffDelay(const BackoffPolicy& policy, int attempt, double unit_random);

// When the fallback timer fires for a subscription that expires at `expires_at`:
//   relay (has a reminder with threshold T): expires_at - T/2, so reminders, which start
//     at expires_at - T, get the first half of their window;
//   direct: expires_at - granted_ttl·margin_pct/100.
// The result is never earlier than the subscription's creation would allow; callers clamp to now.
WallTime FallbackAt(WallTime expires_at, int64_t granted_ttl_s,
                    const std::optional<subscription::ReminderSpec>& reminder,
                    int64_t direct_margin_pct);

// The fallback timer spread over time: FallbackAt(...) moved earlier by `unit_random` (in [0, 1))
// times 1/8 of (expires_at - FallbackAt(...)). Thousands of subscriptions created in the same
// second would otherwise all fall due in the same second, lifetime after lifetime; the spread
// stays well inside the reminder window (relay: at most T/16 earlier than expires_at - T/2).
WallTime SpreadFallbackAt(WallTime expires_at, int64_t granted_ttl_s,
                          const std::optional<subscription::ReminderSpec>& reminder,
                          int64_t direct_margin_pct, double unit_random);

// The longest a renewal started by a reminder may be delayed: min(the reminder's interval, its
// threshold / 4, max_spread). Zero without a reminder (direct mode) or when max_spread is not
// positive. Reminders keep coming every interval while the window is open,
// so the delayed renewal is never later than the next reminder, and at most a quarter of the
// window is spent waiting.
Seconds ReminderSpread(const std::optional<subscription::ReminderSpec>& reminder,
                       Seconds max_spread);

// When to retry after a failure: now + delay, but no later than just before expiry (a retry after
// expiry is useless: the platform purges the subscription). At least `now`.
WallTime RetryAt(WallTime now, WallTime expires_at, Seconds delay);

// When to retry after `error`. An error that carries retry_after() (a 429, a call the local rate
// limiter refused inside a penalty, kUnauthenticated from an account in "auth_failed" whose next
// login is not due) is retried at now + retry_after + 1 s and never earlier, even past expiry: a
// request sent inside a penalty restarts it (docs/platform.md §7), and a login before its time is
// refused anyway. A kResourceExhausted without retry_after waits 30 s (+1). Any other error:
// RetryAt(now, expires_at, backoff); `expires_at` unset = no expiry to respect.
WallTime RetryAtAfter(WallTime now, WallTime expires_at, const Status& error, Seconds backoff);

// True when `retry_at` is too late to keep the subscription: at or after its expiry less one
// second (the margin RetryAt keeps). False when the expiry is unknown.
bool LapsesBeforeRetry(WallTime now, WallTime expires_at, WallTime retry_at);

// True while the record waits out the backoff after a failed attempt (failures > 0 and its retry,
// next_renewal_at, still ahead): a reminder then starts nothing, so the backoff is not cut short.
bool InBackoff(const store::SubscriptionRecord& record, WallTime now);

// True when a reminder received at `now` should start a renewal: the record has a remote id,
// the reminder names it, the subscription is inside its reminder window (a late duplicate
// reminder after a renewal is ignored), and it is not InBackoff.
bool ShouldRenewOnReminder(const store::SubscriptionRecord& record,
                           const std::string& subscription_id, WallTime now);

// True when the timer fired for a relayed subscription although reminders should have come
// first: no reminder was received since the reminder window opened.
bool ReminderMissed(const store::SubscriptionRecord& record, WallTime now);

// What the keeper must do after a renew (or get) answer.
enum class Next {
  kDone,      // renewed and Active: store the returned expiry
  kRecreate,  // gone on the platform (404 / CMN-102, or already expired): create again now
  kReplace,   // exists but not Active (Blacklisted, Suspended, unknown): delete, then create
  kRetry,     // transient (5xx, timeout, connection, 401): retry with backoff
  // 429, a locally refused call, or any error carrying retry_after (kUnauthenticated from an
  // account in "auth_failed"): retry when retry_after has passed, never earlier
  kRetryAfterPenalty
};
Next ClassifyRenewal(const Status& status, const platform::RemoteStatus& returned_status);

// True when a failed create certainly made nothing on the platform: a 4xx answer other than 408
// (the platform refused it), or a call refused locally before anything was sent (rate limiter,
// an account in "auth_failed", a bad URL). Otherwise (timeout, dropped connection, 5xx, 408) the
// platform may have created the subscription and the record stays create_uncertain.
bool CreateCertainlyFailed(const Status& error);

// What an earlier create whose outcome is unknown may have left at `address`: the Active
// subscriptions listed there, except `exclude` (the ids the create is replacing). `keep` is the
// longest-lived one (latest expiration, then smallest id), `duplicates` the ids of the others.
struct UncertainCreateMatch {
  std::optional<platform::RemoteSubscription> keep;
  std::vector<std::string> duplicates;
};
UncertainCreateMatch MatchUncertainCreate(const std::vector<platform::RemoteSubscription>& listed,
                                          const std::string& address,
                                          const std::vector<std::string>& exclude);

// Copies what the platform said about a subscription into the record: id, status, filters,
// disabled filters, blacklisting, creation and expiration time, granted lifetime.
void CopyObserved(const platform::RemoteSubscription& remote, store::SubscriptionRecord& record);

}  // namespace subkeeper::renewal
