#include "subkeeper/renewal/service.h"

#include <algorithm>

#include "subkeeper/common/log.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::renewal {
namespace {

relay::LifecycleFacts Facts(std::string type) {
  relay::LifecycleFacts facts;
  facts.type = std::move(type);
  return facts;
}

}  // namespace

RenewalService::RenewalService(store::SubscriptionStore& store, platform::SubscriptionApi& api,
                               const Clock& clock, ServiceOptions options,
                               std::function<double()> unit_random)
    : store_(store),
      api_(api),
      clock_(clock),
      options_(std::move(options)),
      unit_random_(std::move(unit_random)) {}

Status RenewalService::Run(const std::string& account, const std::string& name, Trigger trigger,
                           const Expected& expected) {
  return WithLease(account, name, expected,
                   [&](Record& record, WallTime now) { return RunLocked(record, trigger, now); });
}

Status RenewalService::WithLease(const std::string& account, const std::string& name,
                                 const Expected& expected,
                                 const std::function<Status(Record&, WallTime)>& body,
                                 bool settle) {
  const WallTime now = clock_.Now();
  SK_ASSIGN_OR_RETURN(bool acquired, store_.TryAcquireLease(account, name, options_.owner, now,
                                                            now + options_.lease));
  if (!acquired)
    return Status::Aborted("renewal of " + account + "/" + name + " is already in progress");
  std::string remote_before;
  bool changed = false;
  Status result = [&]() -> Status {
    SK_ASSIGN_OR_RETURN(auto loaded, store_.GetSubscription(account, name));
    if (!loaded) return Status::NotFound("no subscription " + account + "/" + name);
    if (expected && loaded->remote_id != *expected) {
      // Decided from an observation older than what another path (the timer, a reminder) did
      // since: acting on it could create a second subscription or undo the other path's work.
      return Status::Aborted(account + "/" + name + " changed since it was observed (remote id " +
                             (loaded->remote_id.empty() ? "none" : loaded->remote_id) +
                             ", decided on " + (expected->empty() ? "none" : *expected) + ")");
    }
    remote_before = loaded->remote_id;
    Status status = body(*loaded, now);
    changed = loaded->remote_id != remote_before;
    return status;
  }();
  // A forgotten record has no lease left to release; releasing is then a no-op.
  Status released = store_.ReleaseLease(account, name, options_.owner);
  if (!released.ok())
    logging::RenewalLog({account, name}).warn("releasing the lease: {}", released.ToString());
  if (changed && on_remote_change_) on_remote_change_(account, name);
  if (settle && on_settled_) on_settled_(account, name);
  return result;
}

Status RenewalService::Update(const std::string& account, const std::string& name,
                              const std::string& reason, const Expected& expected) {
  return WithLease(account, name, expected, [&](Record& record, WallTime now) -> Status {
    if (record.remote_id.empty()) return CreateMissing(record, reason, now);
    platform::UpdateRequest request;
    request.event_filters = subscription::PlatformFilters(record.event_filters, record.reminder);
    request.expires_in_s = record.expires_in_s;
    auto updated = api_.Update(record.account, record.remote_id, request);
    if (!updated.ok() && updated.status().code() == StatusCode::kNotFound) {
      const Previous previous = Replacing(record);
      ForgetRemote(record);
      return Create(record, store::HistoryKind::kRecreated,
                    "the platform no longer had " + previous.id, now, previous);
    }
    if (!updated.ok()) {
      SK_RETURN_IF_ERROR(Fail(record, updated.status(), "update", now));
      return updated.status();  // recorded; the caller's reconcile pass is incomplete
    }
    const int32_t streak = record.failures;
    Apply(record, *updated, now);
    record.last_trigger = subscription::RenewedBy::kUpdate;
    auto entry = Entry(record, store::HistoryKind::kUpdated, reason, now);
    NotifyRecovered(record, streak, entry, now);
    return store_.PutSubscription(record, entry);
  });
}

Status RenewalService::Recreate(const std::string& account, const std::string& name,
                                const std::string& reason,
                                const platform::RemoteSubscription* observed,
                                const Expected& expected) {
  return WithLease(account, name, expected, [&](Record& record, WallTime now) -> Status {
    if (record.remote_id.empty()) return CreateMissing(record, reason, now);
    if (observed != nullptr && observed->id == record.remote_id) CopyObserved(*observed, record);
    if (record.status.known() && !record.status.active()) return Replace(record, reason, now);
    const std::string old_id = record.remote_id;
    // Make-before-break: the old one delivers until the new one exists, so there is no gap.
    SK_RETURN_IF_ERROR(
        Create(record, store::HistoryKind::kRecreated, reason, now, Previous{old_id, {}}));
    if (record.remote_id == old_id) {
      // The create failed (recorded): the old subscription stays, on its normal timer — retrying
      // the replacement is the reconcile's job, and renewing the healthy old one early is waste.
      record.next_renewal_at = NextTimer(record, now);
      SK_RETURN_IF_ERROR(store_.PutSubscription(record, std::nullopt));
      return Status::Unavailable("recreate of " + account + "/" + name + ": " + record.last_error);
    }
    Status deleted = api_.Delete(record.account, old_id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      logging::RenewalLog({record.account, record.name, record.remote_id})
          .warn(
              "deleting the replaced subscription {} failed: {}; the next reconcile deletes it as "
              "an orphan",
              old_id, deleted.ToString());
      return Status::OK();
    }
    auto entry =
        Entry(record, store::HistoryKind::kDeleted, "replaced by " + record.remote_id, now);
    entry.remote_id = old_id;
    return store_.AppendHistory(entry);
  });
}

Status RenewalService::Forget(const std::string& account, const std::string& name,
                              const std::string& reason, const Expected& expected) {
  return WithLease(account, name, expected, [&](Record& record, WallTime now) -> Status {
    if (!record.remote_id.empty()) {
      Status deleted = api_.Delete(record.account, record.remote_id);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
        return Fail(record, deleted, "delete", now);
      }
    }
    auto entry = Entry(record, store::HistoryKind::kDeleted, reason, now);
    record.remote_id.clear();
    return store_.DeleteSubscription(account, name, entry);
  });
}

Status RenewalService::RunLocked(Record& record, Trigger trigger, WallTime now) {
  if (trigger == Trigger::kReminder && InBackoff(record, now)) {
    logging::RenewalLog({record.account, record.name, record.remote_id})
        .debug(
            "reminder during the backoff after a failure; the retry at the scheduled time renews");
    return Status::OK();
  }
  if (trigger == Trigger::kTimer && !record.reminder_path_broken && ReminderMissed(record, now)) {
    record.reminder_path_broken = true;
    logging::RenewalLog({record.account, record.name, record.remote_id})
        .warn("no reminder arrived in the reminder window; renewing by timer");
    SK_RETURN_IF_ERROR(
        store_.PutSubscription(record, Entry(record, store::HistoryKind::kReminderMissing,
                                             "no reminder since the window opened", now)));
  }
  if (record.remote_id.empty()) return CreateMissing(record, "", now);
  // Known not Active (a replacement whose delete failed): a renewal cannot revive it
  // (docs/platform.md §4: delete it and create a new one), so go on with the replacement.
  if (record.status.known() && !record.status.active())
    return Replace(record, "status " + std::string(record.status.word()), now);
  return Renew(record, trigger, now);
}

Status RenewalService::Renew(Record& record, Trigger trigger, WallTime now) {
  auto renewed = api_.Renew(record.account, record.remote_id);
  const Next next =
      ClassifyRenewal(renewed.status(), renewed.ok() ? renewed->status : platform::RemoteStatus());
  switch (next) {
    case Next::kDone:
      return Renewed(record, *renewed, trigger, "", now);
    case Next::kRecreate: {
      SK_RETURN_IF_ERROR(
          store_.AppendHistory(Entry(record, store::HistoryKind::kExpired,
                                     "gone on the platform: " + renewed.status().ToString(), now)));
      const Previous previous = Replacing(record);
      ForgetRemote(record);
      return Create(record, store::HistoryKind::kRecreated,
                    "the platform no longer had " + previous.id, now, previous);
    }
    case Next::kReplace:
      // Only what the platform said: an answer that is not Active renewed nothing, so neither
      // the last renewal (the start of the app's backfill window) nor the failure streak moves.
      CopyObserved(*renewed, record);
      return Replace(record, "status " + std::string(renewed->status.word()), now);
    case Next::kRetryAfterPenalty:
      if (auto by_update = RenewByUpdate(record, renewed.status(), trigger, now)) return *by_update;
      return Fail(record, renewed.status(), "renew", now);
    case Next::kRetry:
      return Fail(record, renewed.status(), "renew", now);
  }
  return Status::Internal("unreachable renewal outcome");
}

std::optional<Status> RenewalService::RenewByUpdate(Record& record, const Status& refused,
                                                    Trigger trigger, WallTime now) {
  // Only a rate-limit refusal: another group's budget does not help an account that cannot log
  // in. Its retry time does not depend on the backoff (it waits for the penalty or the window).
  if (refused.code() != StatusCode::kResourceExhausted) return std::nullopt;
  const WallTime retry_at = RetryAtAfter(now, record.expires_at, refused, Seconds(0));
  if (!LapsesBeforeRetry(now, record.expires_at, retry_at)) return std::nullopt;
  // The renew (Light) cannot go out before the subscription lapses; a PUT of its own definition
  // renews it too and is counted against Medium, a budget of its own. RingCentral's guide says
  // every PUT renews (developers.ringcentral.com/guide/notifications/webhooks/creating-webhooks);
  // the expiry stored is the one the PUT returns, so a PUT that renewed nothing shows as such.
  platform::UpdateRequest request;
  request.event_filters = subscription::PlatformFilters(record.event_filters, record.reminder);
  request.expires_in_s = record.expires_in_s;
  auto updated = api_.Update(record.account, record.remote_id, request);
  if (!updated.ok()) {
    logging::RenewalLog({record.account, record.name, record.remote_id})
        .warn("renew refused ({}) and the PUT instead failed too", refused.ToString());
    return std::nullopt;  // retried as the renew's failure, after its penalty
  }
  if (!updated->status.active()) {
    CopyObserved(*updated, record);
    return Replace(record, "status " + std::string(updated->status.word()), now);
  }
  return Renewed(record, *updated, trigger, "by PUT: renew refused (" + refused.message() + ")",
                 now);
}

Status RenewalService::Renewed(Record& record, const platform::RemoteSubscription& remote,
                               Trigger trigger, const std::string& detail, WallTime now) {
  const int32_t streak = record.failures;
  Apply(record, remote, now);
  record.last_trigger = RenewedByOf(trigger);
  if (trigger == Trigger::kReminder) record.reminder_path_broken = false;
  logging::RenewalLog({record.account, record.name, record.remote_id})
      .info("renewed by {}{}, expires {}", subscription::RenewedByText(record.last_trigger),
            detail.empty() ? "" : " " + detail, FormatIso8601(record.expires_at));
  auto entry = Entry(record, store::HistoryKind::kRenewed, detail, now);
  entry.trigger = record.last_trigger;
  NotifyRecovered(record, streak, entry, now);
  return store_.PutSubscription(record, entry);
}

Status RenewalService::Replace(Record& record, const std::string& reason, WallTime now) {
  std::string detail = reason;
  if (!record.blacklisted_reason.empty()) detail += ": " + record.blacklisted_reason;
  const store::HistoryKind kind = record.status.kind() == platform::RemoteStatus::Kind::kBlacklisted
                                      ? store::HistoryKind::kBlacklisted
                                      : store::HistoryKind::kInactive;
  auto entry = Entry(record, kind, detail, now);
  if (kind == store::HistoryKind::kBlacklisted) {
    auto facts = Facts("blacklisted");
    facts.reason = detail;
    Notify(record, std::move(facts), entry, now);
  }
  SK_RETURN_IF_ERROR(store_.PutSubscription(record, entry));
  Status deleted = api_.Delete(record.account, record.remote_id);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
    return Fail(record, deleted, "delete of the inactive subscription", now);
  }
  SK_RETURN_IF_ERROR(
      store_.AppendHistory(Entry(record, store::HistoryKind::kDeleted, detail, now)));
  const Previous previous = Replacing(record);
  ForgetRemote(record);
  return Create(record, store::HistoryKind::kRecreated, detail, now, previous);
}

Status RenewalService::Fail(Record& record, const Status& error, const std::string& what,
                            WallTime now) {
  record.failures += 1;
  record.last_error = what + ": " + error.ToString();
  record.last_error_at = now;
  const Seconds delay = BackoffDelay(options_.backoff, record.failures, unit_random_());
  // Never retry inside a penalty (a request sent during it restarts it, docs/platform.md §7), nor
  // before an account in "auth_failed" may log in again.
  record.next_renewal_at =
      RetryAtAfter(now, record.remote_id.empty() ? WallTime{} : record.expires_at, error, delay);
  logging::RenewalLog({record.account, record.name, record.remote_id})
      .warn("{} failed ({}), retry in {}s", what, error.ToString(),
            std::chrono::duration_cast<Seconds>(record.next_renewal_at - now).count());
  auto entry = Entry(record, store::HistoryKind::kFailed, record.last_error, now);
  // Exactly at the threshold: once per streak, however long the streak goes on.
  if (options_.failure_events_after > 0 && record.failures == options_.failure_events_after) {
    auto facts = Facts("renewal_failing");
    facts.failures = record.failures;
    facts.last_error = record.last_error;
    facts.expires_at = record.expires_at;
    Notify(record, std::move(facts), entry, now);
  }
  return store_.PutSubscription(record, entry);
}

void RenewalService::ForgetRemote(Record& record) {
  // Until a new subscription exists nothing may claim the old one is alive.
  record.remote_id.clear();
  record.status = {};
  record.blacklisted_reason.clear();
  record.expires_at = WallTime{};
}

RenewalService::Previous RenewalService::Replacing(const Record& record) {
  // The last moment subkeeper knew the old subscription was delivering: its creation, last
  // renewal or last reminder — but it delivered nothing after it expired.
  WallTime active =
      std::max({record.remote_created_at, record.last_renewed_at, record.last_reminder_at});
  if (record.expires_at != WallTime{}) active = std::min(active, record.expires_at);
  return Previous{record.remote_id, active};
}

bool RenewalService::StreakReported(int32_t failures) const {
  return options_.failure_events_after > 0 && failures >= options_.failure_events_after;
}

std::string RenewalService::LastRemoteId(const Record& record) {
  if (record.deliver_to.empty()) return "";  // only the app's event needs it
  store::HistoryQuery query;
  query.account = record.account;
  query.name = record.name;
  query.limit = 100;  // newest first; failed creates since the loss carry no id
  auto history = store_.ListHistory(query);
  if (!history.ok()) {
    logging::RenewalLog({record.account, record.name, record.remote_id})
        .warn("reading history for the previous subscription id: {}", history.status().ToString());
    return "";
  }
  for (const auto& entry : *history) {
    if (!entry.remote_id.empty()) return entry.remote_id;
  }
  return "";
}

void RenewalService::Notify(const Record& record, relay::LifecycleFacts facts,
                            store::HistoryEntry& entry, WallTime now) const {
  if (record.deliver_to.empty()) return;  // direct mode or no relay: nobody to tell
  facts.account = record.account;
  facts.name = record.name;
  facts.subscription_id = record.remote_id;
  entry.outbox.push_back(relay::MakeLifecycleEvent(facts, now, relay::NewLifecycleEventId()));
}

void RenewalService::NotifyRecovered(const Record& record, int32_t streak,
                                     store::HistoryEntry& entry, WallTime now) const {
  if (!StreakReported(streak)) return;  // the app was never told it was failing
  auto facts = Facts("renewal_recovered");
  facts.failures = streak;
  Notify(record, std::move(facts), entry, now);
}

void RenewalService::Apply(Record& record, const platform::RemoteSubscription& remote,
                           WallTime now) {
  const bool new_remote = record.remote_id != remote.id;
  CopyObserved(remote, record);
  record.failures = 0;
  record.last_error.clear();
  record.last_renewed_at = now;
  record.next_renewal_at = NextTimer(record, now);
  if (new_remote) record.reminder_path_broken = false;
}

WallTime RenewalService::NextTimer(const Record& record, WallTime now) const {
  return std::max(now, SpreadFallbackAt(record.expires_at, record.granted_ttl_s, record.reminder,
                                        options_.direct_margin_pct, unit_random_()));
}

store::HistoryEntry RenewalService::Entry(const Record& record, store::HistoryKind kind,
                                          std::string detail, WallTime now) const {
  return store::MakeHistory(now, record.account, record.name, kind, record.remote_id,
                            std::move(detail));
}

}  // namespace subkeeper::renewal
