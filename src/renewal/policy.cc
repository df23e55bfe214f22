#include "subkeeper/renewal/policy.h"

#include <algorithm>
#include <cmath>

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

subscription::RenewedBy RenewedByOf(Trigger trigger) {
  switch (trigger) {
    case Trigger::kReminder:
      return subscription::RenewedBy::kReminder;
    case Trigger::kTimer:
      return subscription::RenewedBy::kTimer;
    case Trigger::kManual:
      return subscription::RenewedBy::kManual;
    case Trigger::kStartup:
      return subscription::RenewedBy::kStartup;
  }
  return subscription::RenewedBy::kNone;
}

Seconds BackoffDelay(const BackoffPolicy& policy, int attempt, double unit_random) {
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double base = static_cast<double>(policy.min.count()) * std::pow(2.0, exponent);
  const double capped = std::min(base, static_cast<double>(policy.max.count()));
  const double jittered = capped / 2 + (capped / 2) * std::clamp(unit_random, 0.0, 1.0);
  return Seconds(std::max<int64_t>(1, static_cast<int64_t>(jittered)));
}

WallTime FallbackAt(WallTime expires_at, int64_t granted_ttl_s,
                    const std::optional<subscription::ReminderSpec>& reminder,
                    int64_t direct_margin_pct) {
  if (reminder) return expires_at - Seconds(reminder->threshold_s / 2);
  const int64_t margin_s = std::max<int64_t>(1, granted_ttl_s * direct_margin_pct / 100);
  return expires_at - Seconds(margin_s);
}

WallTime SpreadFallbackAt(WallTime expires_at, int64_t granted_ttl_s,
                          const std::optional<subscription::ReminderSpec>& reminder,
                          int64_t direct_margin_pct, double unit_random) {
  const WallTime fallback = FallbackAt(expires_at, granted_ttl_s, reminder, direct_margin_pct);
  if (fallback >= expires_at) return fallback;
  const auto room = std::chrono::duration_cast<Millis>(expires_at - fallback) / 8;
  const double share = std::clamp(unit_random, 0.0, 1.0);
  return fallback - Millis(static_cast<int64_t>(static_cast<double>(room.count()) * share));
}

Seconds ReminderSpread(const std::optional<subscription::ReminderSpec>& reminder,
                       Seconds max_spread) {
  if (!reminder || max_spread <= Seconds(0)) return Seconds(0);
  return std::min({Seconds(reminder->interval_s), Seconds(reminder->threshold_s / 4), max_spread});
}

WallTime RetryAt(WallTime now, WallTime expires_at, Seconds delay) {
  // Keep one second before expiry so the last attempt still reaches a live subscription.
  const WallTime latest = expires_at - Seconds(1);
  WallTime at = now + delay;
  if (expires_at > now && at > latest) at = latest;
  return std::max(at, now);
}

WallTime RetryAtAfter(WallTime now, WallTime expires_at, const Status& error, Seconds backoff) {
  if (auto wait = error.retry_after()) return now + std::max(*wait, Seconds(0)) + Seconds(1);
  if (error.code() == StatusCode::kResourceExhausted) return now + Seconds(31);
  if (expires_at == WallTime{}) return now + backoff;
  return RetryAt(now, expires_at, backoff);
}

bool LapsesBeforeRetry(WallTime now, WallTime expires_at, WallTime retry_at) {
  if (expires_at == WallTime{}) return false;
  return retry_at >= std::max(now, expires_at - Seconds(1));
}

bool InBackoff(const store::SubscriptionRecord& record, WallTime now) {
  return record.failures > 0 && record.next_renewal_at > now;
}

bool ShouldRenewOnReminder(const store::SubscriptionRecord& record,
                           const std::string& subscription_id, WallTime now) {
  if (record.remote_id.empty() || record.remote_id != subscription_id) return false;
  if (InBackoff(record, now)) return false;
  const auto& spec = record.reminder;
  if (!spec) return false;
  // Allow one job interval of slack: reminders are "approximate" (docs/platform.md §2.1).
  const WallTime window_opens = record.expires_at - Seconds(spec->threshold_s + spec->interval_s);
  return now >= window_opens;
}

bool ReminderMissed(const store::SubscriptionRecord& record, WallTime now) {
  const auto& spec = record.reminder;
  if (!spec || record.remote_id.empty() || record.failures > 0) return false;
  const WallTime window_opens = record.expires_at - Seconds(spec->threshold_s);
  return now >= window_opens && record.last_reminder_at < window_opens;
}

Next ClassifyRenewal(const Status& status, const platform::RemoteStatus& returned_status) {
  if (status.ok()) return returned_status.active() ? Next::kDone : Next::kReplace;
  switch (status.code()) {
    case StatusCode::kNotFound:
      return Next::kRecreate;
    case StatusCode::kResourceExhausted:
      return Next::kRetryAfterPenalty;
    default:
      return status.retry_after() ? Next::kRetryAfterPenalty : Next::kRetry;
  }
}

bool CreateCertainlyFailed(const Status& error) {
  const int http = error.http_status();
  if (http != 0) return http >= 400 && http < 500 && http != 408;
  switch (error.code()) {
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnauthenticated:
    case StatusCode::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

UncertainCreateMatch MatchUncertainCreate(const std::vector<platform::RemoteSubscription>& listed,
                                          const std::string& address,
                                          const std::vector<std::string>& exclude) {
  std::vector<const platform::RemoteSubscription*> found;
  for (const auto& remote : listed) {
    if (!remote.status.active() || remote.address != address) continue;
    if (std::find(exclude.begin(), exclude.end(), remote.id) != exclude.end()) continue;
    found.push_back(&remote);
  }
  UncertainCreateMatch match;
  if (found.empty()) return match;
  std::sort(found.begin(), found.end(), [](const auto* a, const auto* b) {
    if (a->expiration_time != b->expiration_time) return a->expiration_time > b->expiration_time;
    return a->id < b->id;
  });
  match.keep = *found.front();
  for (size_t i = 1; i < found.size(); ++i) match.duplicates.push_back(found[i]->id);
  return match;
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
