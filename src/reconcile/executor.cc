#include "subkeeper/reconcile/executor.h"

#include "subkeeper/common/log.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/renewal/policy.h"

namespace subkeeper::reconcile {
namespace {

using Observed = std::map<std::string, std::vector<platform::RemoteSubscription>>;

const platform::RemoteSubscription* Find(const Observed& observed, const std::string& account,
                                         const std::string& id) {
  auto it = observed.find(account);
  if (it == observed.end()) return nullptr;
  for (const auto& remote : it->second) {
    if (remote.id == id) return &remote;
  }
  return nullptr;
}

}  // namespace

Executor::Executor(store::Store& store, platform::SubscriptionApi& api,
                   renewal::RenewalService& service, const Clock& clock, int64_t direct_margin_pct)
    : store_(store),
      api_(api),
      service_(service),
      clock_(clock),
      direct_margin_pct_(direct_margin_pct) {}

Result<ApplyReport> Executor::Apply(const std::vector<store::SubscriptionRecord>& desired,
                                    const Plan& plan, const Observed& observed) {
  desired_fingerprints_.clear();
  for (const auto& want : desired) {
    desired_fingerprints_[want.account + "/" + want.name] = want.token_fingerprint;
    SK_ASSIGN_OR_RETURN(auto known, store_.GetSubscription(want.account, want.name));
    store::SubscriptionRecord record = known ? *known : want;
    MergeDesired(want, record);
    if (!known) record.next_renewal_at = WallTime{};  // unscheduled until the plan creates it
    SK_RETURN_IF_ERROR(store_.PutSubscription(record, std::nullopt));
  }
  ApplyReport report;
  for (const auto& action : plan.actions) {
    Status status = ApplyOne(action, observed);
    if (status.ok()) {
      ++report.applied;
    } else {
      report.errors.push_back(std::string(ActionKindName(action.kind)) + " " + action.account +
                              "/" + action.name + ": " + status.ToString());
    }
  }
  return report;
}

Status Executor::ApplyOne(const Action& action, const Observed& observed) {
  using renewal::Trigger;
  switch (action.kind) {
    case ActionKind::kCreate:
      return CreateMissing(action);
    case ActionKind::kAdopt: {
      const auto* remote = Find(observed, action.account, action.remote_id);
      if (!remote)
        return Status::Internal("adopted subscription " + action.remote_id + " not observed");
      return Adopt(action, *remote);
    }
    case ActionKind::kUpdate:
      return service_.Update(action.account, action.name, action.reason);
    case ActionKind::kRecreate:
      return service_.Recreate(action.account, action.name, action.reason,
                               Find(observed, action.account, action.remote_id));
    case ActionKind::kRenew:
      return service_.Run(action.account, action.name, Trigger::kManual);
    case ActionKind::kForget:
      return service_.Forget(action.account, action.name, action.reason);
    case ActionKind::kDelete: {
      Status deleted = api_.Delete(action.account, action.remote_id);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
      return store_.AppendHistory(store::MakeHistory(clock_.Now(), action.account, action.name,
                                                     "deleted", action.remote_id, action.reason));
    }
  }
  return Status::Internal("unknown plan action");
}

Status Executor::Adopt(const Action& action, const platform::RemoteSubscription& remote) {
  SK_ASSIGN_OR_RETURN(auto known, store_.GetSubscription(action.account, action.name));
  if (!known)
    return Status::Internal("no record to adopt into for " + action.account + "/" + action.name);
  store::SubscriptionRecord record = *known;
  const WallTime now = clock_.Now();
  renewal::CopyObserved(remote, record);
  record.last_renewed_at = now;
  record.last_trigger = "adopt";
  record.create_uncertain = false;  // what a lost create made, if anything, is adopted or deleted
  // The platform never returns the verification token; an adopted subscription was made with the
  // token derived from the current secret (that is what makes adoption safe), so it is recorded.
  record.token_fingerprint = desired_fingerprints_[action.account + "/" + action.name];
  record.next_renewal_at =
      remote.status == "Active"
          ? std::max(now, renewal::FallbackAt(record.expires_at, record.granted_ttl_s,
                                              record.reminder_filter, direct_margin_pct_))
          : now;
  logging::ReconcileLog().info("{}/{}: adopted {} ({})", action.account, action.name, remote.id,
                               action.reason);
  return store_.PutSubscription(record, store::MakeHistory(now, action.account, action.name,
                                                           "adopted", remote.id, action.reason));
}

Status Executor::CreateMissing(const Action& action) {
  SK_ASSIGN_OR_RETURN(auto known, store_.GetSubscription(action.account, action.name));
  if (known && !known->remote_id.empty()) {
    // Known but not listed: purged or deleted by hand. Forget the dead id first so the create
    // below is the only call, and nothing claims the old one is alive meanwhile.
    store::SubscriptionRecord record = *known;
    const std::string gone = record.remote_id;
    record.remote_id.clear();
    record.status.clear();
    record.expires_at = WallTime{};
    SK_RETURN_IF_ERROR(
        store_.PutSubscription(record, store::MakeHistory(clock_.Now(), action.account, action.name,
                                                          "expired", gone, action.reason)));
  }
  return service_.Run(action.account, action.name, renewal::Trigger::kStartup);
}

Observed ObserveAccounts(platform::SubscriptionApi& api, const std::vector<std::string>& accounts,
                         std::vector<std::string>& errors) {
  Observed observed;
  for (const auto& account : accounts) {
    auto listed = api.List(account);
    if (listed.ok()) {
      observed[account] = std::move(listed).value();
    } else {
      errors.push_back(account + ": " + listed.status().ToString());
      logging::ReconcileLog().warn("list of account {} failed: {}", account,
                                   listed.status().ToString());
    }
  }
  return observed;
}

}  // namespace subkeeper::reconcile
