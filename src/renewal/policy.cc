#include "subkeeper/renewal/policy.h"

#include <algorithm>
#include <cmath>

#include "subkeeper/config/reminder.h"

namespace subkeeper::renewal {

const char* TriggerName(Trigger trigger) {
  switch (trigger) {
    case Trigger::kReminder:
      return "reminder";
    case Trigger::kTimer:
      return "timer";
    case Trigger::kManual:
      return "manual";
    case Trigger::kStartup:
      return "startup";
  }
  return "unknown";
}

Seconds BackoffDelay(const BackoffPolicy& policy, int attempt, double unit_random) {
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double base = static_cast<double>(policy.min.count()) * std::pow(2.0, exponent);
  const double capped = std::min(base, static_cast<double>(policy.max.count()));
  const double jittered = capped / 2 + (capped / 2) * std::clamp(unit_random, 0.0, 1.0);
  return Seconds(std::max<int64_t>(1, static_cast<int64_t>(jittered)));
}

WallTime FallbackAt(WallTime expires_at, int64_t granted_ttl_s, const std::string& reminder_filter,
                    int64_t direct_margin_pct) {
  if (auto spec = config::ParseReminderFilter(reminder_filter)) {
    return expires_at - Seconds(spec->threshold_s / 2);
  }
  const int64_t margin_s = std::max<int64_t>(1, granted_ttl_s * direct_margin_pct / 100);
  return expires_at - Seconds(margin_s);
}

WallTime RetryAt(WallTime now, WallTime expires_at, Seconds delay) {
  // Keep one second before expiry so the last attempt still reaches a live subscription.
  const WallTime latest = expires_at - Seconds(1);
  WallTime at = now + delay;
  if (expires_at > now && at > latest) at = latest;
  return std::max(at, now);
}

bool ShouldRenewOnReminder(const store::SubscriptionRecord& record,
                           const std::string& subscription_id, WallTime now) {
  if (record.remote_id.empty() || record.remote_id != subscription_id) return false;
  auto spec = config::ParseReminderFilter(record.reminder_filter);
  if (!spec) return false;
  // Allow one job interval of slack: reminders are "approximate" (reference §2.1).
  const WallTime window_opens = record.expires_at - Seconds(spec->threshold_s + spec->interval_s);
  return now >= window_opens;
}

bool ReminderMissed(const store::SubscriptionRecord& record, WallTime now) {
  auto spec = config::ParseReminderFilter(record.reminder_filter);
  if (!spec || record.remote_id.empty() || record.failures > 0) return false;
  const WallTime window_opens = record.expires_at - Seconds(spec->threshold_s);
  return now >= window_opens && record.last_reminder_at < window_opens;
}

Next ClassifyRenewal(const Status& status, const std::string& returned_status) {
  if (status.ok()) return returned_status == "Active" ? Next::kDone : Next::kReplace;
  switch (status.code()) {
    case StatusCode::kNotFound:
      return Next::kRecreate;
    case StatusCode::kResourceExhausted:
      return Next::kRetryAfterPenalty;
    default:
      return Next::kRetry;
  }
}

void CopyObserved(const platform::RemoteSubscription& remote, store::SubscriptionRecord& record) {
  record.remote_id = remote.id;
  record.status = remote.status;
  record.remote_filters = remote.event_filters;
  record.disabled_filters.clear();
  for (const auto& disabled : remote.disabled_filters)
    record.disabled_filters.push_back(disabled.filter);
  record.blacklisted_reason = remote.blacklisted_reason;
  if (remote.creation_time != WallTime{}) record.remote_created_at = remote.creation_time;
  record.expires_at = remote.expiration_time;
  record.granted_ttl_s = remote.expires_in_s;
}

}  // namespace subkeeper::renewal
