// The renewal service's operations for decisions made outside the lease: a reconcile's plan
// (from a read of the store and a list call) and a reminder's bookkeeping. Each runs under the
// record's lease and only while the record still has the remote id the decision was made from
// (WithLease's `expected`), so a plan that the timer overtook changes nothing.

#include <algorithm>

#include "subkeeper/common/log.h"
#include "subkeeper/renewal/service.h"

namespace subkeeper::renewal {

Status RenewalService::CreateGone(const std::string& account, const std::string& name,
                                  const std::string& reason, const std::string& expected) {
  return WithLease(account, name, expected, [&](Record& record, WallTime now) -> Status {
    if (!record.remote_id.empty()) {
      // Known but not listed: purged or deleted by hand. Forget the dead id first, so nothing
      // claims it is alive while the create is under way.
      auto entry = Entry(record, store::HistoryKind::kExpired, reason, now);
      record.remote_id.clear();
      record.status = {};
      record.expires_at = WallTime{};
      SK_RETURN_IF_ERROR(store_.PutSubscription(record, entry));
    }
    return RunLocked(record, Trigger::kStartup, now);
  });
}

Status RenewalService::Adopt(const std::string& account, const std::string& name,
                             const platform::RemoteSubscription& remote,
                             const std::string& token_fingerprint, const std::string& reason) {
  return WithLease(account, name, std::string(), [&](Record& record, WallTime now) -> Status {
    CopyObserved(remote, record);
    record.last_renewed_at = now;
    record.last_trigger = subscription::RenewedBy::kAdopt;
    record.create_uncertain = false;  // what a lost create made, if anything, is adopted or deleted
    // The platform never returns the verification token; an adopted subscription was made with
    // the token derived from the current secret (that is what makes adoption safe).
    record.token_fingerprint = token_fingerprint;
    record.next_renewal_at =
        remote.status.active()
            ? std::max(now, FallbackAt(record.expires_at, record.granted_ttl_s, record.reminder,
                                       options_.direct_margin_pct))
            : now;
    logging::ReconcileLog({account, name, remote.id}).info("adopted {} ({})", remote.id, reason);
    return store_.PutSubscription(record, Entry(record, store::HistoryKind::kAdopted, reason, now));
  });
}

Status RenewalService::DeleteUnclaimed(const std::string& account, const std::string& name,
                                       const std::string& remote_id, const std::string& reason) {
  return WithLease(account, name, std::nullopt, [&](Record& record, WallTime now) -> Status {
    // The list showed it unclaimed; a create whose answer was lost may have been adopted since.
    if (record.remote_id == remote_id)
      return Status::Aborted(account + "/" + name + " claims " + remote_id + " by now");
    Status deleted = api_.Delete(account, remote_id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    auto entry = Entry(record, store::HistoryKind::kDeleted, reason, now);
    entry.remote_id = remote_id;
    return store_.AppendHistory(entry);
  });
}

Status RenewalService::SetDesired(const store::SubscriptionRecord& desired) {
  return WithLease(
      desired.account, desired.name, std::nullopt,
      [&](Record& record, WallTime) -> Status {
        store::MergeDesired(desired, record);
        return store_.PutSubscription(record, std::nullopt);
      },
      /*settle=*/false);
}

Status RenewalService::RecordReminder(const std::string& account, const std::string& name,
                                      const std::string& subscription_id, WallTime now) {
  return WithLease(
      account, name, subscription_id,
      [&](Record& record, WallTime) -> Status {
        record.last_reminder_at = now;
        return store_.PutSubscription(record, std::nullopt);
      },
      /*settle=*/false);
}

Status RenewalService::MarkDue(const std::string& account, const std::string& name, WallTime now) {
  return WithLease(
      account, name, std::nullopt,
      [&](Record& record, WallTime) -> Status {
        if (record.next_renewal_at != WallTime() && record.next_renewal_at <= now)
          return Status::OK();
        record.next_renewal_at = now;
        return store_.PutSubscription(record, std::nullopt);
      },
      /*settle=*/false);
}

}  // namespace subkeeper::renewal
