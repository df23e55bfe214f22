// Creating a record's remote subscription, without ever making two.
//
// A create whose answer is lost (timeout, dropped connection, 5xx, or the process dying while it
// waits) may still have created the subscription, and creating again would leave two delivering
// the same events (and count twice against the 30-per-user limit). So the record is marked
// create_uncertain and persisted *before* the request goes out — the mark survives a crash — and
// the next create of a record so marked lists the account first and adopts what the lost create
// left at the record's address.

#include <algorithm>

#include "subkeeper/common/log.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::renewal {
namespace {

// Checks the reminder rules again against the lifetime the platform granted (it may clamp
// expiresIn without saying so, docs/platform.md §0.3). Returns "" when they hold.
std::string GrantedTtlWarning(const store::SubscriptionRecord& record, int64_t job_interval_s) {
  if (!record.reminder || record.granted_ttl_s <= 0) return "";
  auto problems =
      subscription::CheckReminderRules(record.granted_ttl_s, *record.reminder, job_interval_s);
  if (problems.empty()) return "";
  return "; granted lifetime " + std::to_string(record.granted_ttl_s) +
         "s breaks the reminder rules (" + problems.front() + "), the fallback timer still renews";
}

}  // namespace

Status RenewalService::CreateMissing(Record& record, const std::string& reason, WallTime now) {
  if (record.last_renewed_at == WallTime{})
    return Create(record, store::HistoryKind::kCreated, reason, now, Previous{});
  // A record that was live once and has no remote id lost it in an earlier pass (a purge whose
  // create failed, a reconcile that found it gone); the id it had is only in its history.
  Previous previous = Replacing(record);
  previous.id = LastRemoteId(record);
  return Create(record, store::HistoryKind::kRecreated,
                reason.empty() ? "no live subscription" : reason, now, previous);
}

Status RenewalService::Create(Record& record, store::HistoryKind kind, const std::string& reason,
                              WallTime now, const Previous& previous) {
  platform::CreateRequest request;
  request.event_filters = subscription::PlatformFilters(record.event_filters, record.reminder);
  request.expires_in_s = record.expires_in_s;
  request.address = record.address;
  request.verification_token =
      subscription::DeriveVerificationToken(options_.webhook_secret, record.account, record.name);

  std::optional<platform::RemoteSubscription> made;
  store::HistoryKind entry_kind = kind;
  std::string detail = reason;
  if (record.create_uncertain) {
    auto listed = api_.List(record.account);
    if (!listed.ok()) return Fail(record, listed.status(), "list before create", now);
    // The subscription being replaced may sit at the same address (a rotated token): never it.
    const auto match =
        MatchUncertainCreate(*listed, record.address, {previous.id, record.remote_id});
    if (match.keep) {
      made = match.keep;
      entry_kind = store::HistoryKind::kAdopted;
      detail = AdoptedDetail(record, *match.keep, match.duplicates.size());
      DeleteDuplicates(record, match.keep->id, match.duplicates, now);
    }
  }
  if (!made) {
    record.create_uncertain = true;
    SK_RETURN_IF_ERROR(store_.PutSubscription(record, std::nullopt));
    auto created = api_.Create(record.account, request);
    if (!created.ok()) {
      if (CreateCertainlyFailed(created.status())) record.create_uncertain = false;
      return Fail(record, created.status(), "create", now);
    }
    made = std::move(created).value();
  }
  record.create_uncertain = false;
  const int32_t streak = record.failures;
  Apply(record, *made, now);
  record.token_fingerprint = subscription::TokenFingerprint(request.verification_token);
  record.last_trigger = subscription::RenewedBy::kCreate;
  detail += GrantedTtlWarning(record, options_.reminder_job_interval_s);
  logging::RenewalLog({record.account, record.name, record.remote_id})
      .info("{} as {}{}", store::HistoryKindText(entry_kind), record.remote_id,
            detail.empty() ? "" : " (" + detail + ")");
  auto entry = Entry(record, entry_kind, detail, now);
  // The app hears what happened to its subscription, however it came to exist.
  if (kind != store::HistoryKind::kRecreated) {
    NotifyRecovered(record, streak, entry, now);
    return store_.PutSubscription(record, entry);
  }
  relay::LifecycleFacts facts;
  facts.type = "recreated";
  facts.previous_subscription_id = previous.id;
  facts.reason = reason;
  if (previous.active_until != WallTime{}) {
    facts.inactive_from = previous.active_until;
    // Not record.remote_created_at: Apply keeps the old one when the answer has no creationTime.
    const WallTime created_at = made->creation_time != WallTime{} ? made->creation_time : now;
    facts.inactive_until = std::max(created_at, facts.inactive_from);
  }
  Notify(record, std::move(facts), entry, now);
  // A recreation that ends a reported failing streak also closes it, like any other success.
  NotifyRecovered(record, streak, entry, now);
  return store_.PutSubscription(record, entry);
}

std::string RenewalService::AdoptedDetail(const Record& record,
                                          const platform::RemoteSubscription& kept,
                                          size_t duplicates) {
  std::string detail = "an earlier create may have succeeded without an answer";
  if (!record.last_error.empty()) detail += " (" + record.last_error + ")";
  detail += "; found " + kept.id + " at its address";
  if (duplicates > 0) detail += " and deleted " + std::to_string(duplicates) + " duplicate(s)";
  return detail;
}

void RenewalService::DeleteDuplicates(const Record& record, const std::string& kept,
                                      const std::vector<std::string>& ids, WallTime now) {
  for (const auto& id : ids) {
    Status deleted = api_.Delete(record.account, id);
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      // Not fatal: the reconcile deletes unclaimed subscriptions at an owned address.
      logging::RenewalLog({record.account, record.name, record.remote_id})
          .warn("deleting duplicate {} failed: {}", id, deleted.ToString());
      continue;
    }
    auto entry = Entry(record, store::HistoryKind::kDeleted,
                       "duplicate of " + kept + " at the same address", now);
    entry.remote_id = id;
    Status saved = store_.AppendHistory(entry);
    if (!saved.ok())
      logging::RenewalLog({record.account, record.name, record.remote_id})
          .warn("recording deletion of {}: {}", id, saved.ToString());
  }
}

}  // namespace subkeeper::renewal
