// Pure renewal decisions: when the fallback timer fires, how long to back off, what a renew
// answer means. No I/O, no clock reads: "now" is an argument.
#pragma once

#include <cstdint>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/types.h"
#include "subkeeper/store/records.h"

namespace subkeeper::renewal {

// What started a renewal.
enum class Trigger { kReminder, kTimer, kManual, kStartup };
const char* TriggerName(Trigger trigger);  // "reminder", "timer", "manual", "startup"

struct BackoffPolicy {
  Seconds min{2};
  Seconds max{300};
};

// Delay before retry number `attempt` (1 = first retry): min·2^(attempt-1) capped at max, then
// "equal jitter": a value in [d/2, d] picked by `unit_random` in [0, 1). Never below 1 s.
Seconds BackoffDelay(const BackoffPolicy& policy, int attempt, double unit_random);

// When the fallback timer fires for a subscription that expires at `expires_at`:
//   relay (has a reminder filter with threshold T): expires_at - T/2, so reminders, which start
//     at expires_at - T, get the first half of their window;
//   direct: expires_at - granted_ttl·margin_pct/100.
// The result is never earlier than the subscription's creation would allow; callers clamp to now.
WallTime FallbackAt(WallTime expires_at, int64_t granted_ttl_s, const std::string& reminder_filter,
                    int64_t direct_margin_pct);

// When to retry after a failure: now + delay, but no later than just before expiry (a retry after
// expiry is useless: the platform purges the subscription). At least `now`.
WallTime RetryAt(WallTime now, WallTime expires_at, Seconds delay);

// True when a reminder received at `now` should start a renewal: the record has a remote id,
// the reminder names it, and the subscription is inside its reminder window (a late duplicate
// reminder after a renewal is ignored).
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
  kRetryAfterPenalty  // 429 or a locally refused call: retry when the penalty is over
};
Next ClassifyRenewal(const Status& status, const std::string& returned_status);

// Copies what the platform said about a subscription into the record: id, status, filters,
// disabled filters, blacklisting, creation and expiration time, granted lifetime.
void CopyObserved(const platform::RemoteSubscription& remote, store::SubscriptionRecord& record);

}  // namespace subkeeper::renewal
