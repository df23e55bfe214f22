#include "subkeeper/reconcile/executor.h"

#include "subkeeper/common/log.h"
#include "subkeeper/reconcile/reconcile.h"

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

std::string KeyOf(const std::string& account, const std::string& name) {
  return account + "/" + name;
}

std::string Describe(const Action& action, const Status& status) {
  return std::string(ActionKindName(action.kind)) + " " + action.account + "/" + action.name +
         ": " + status.ToString();
}

}  // namespace

Executor::Executor(store::SubscriptionStore& store, platform::SubscriptionApi& api,
                   renewal::RenewalService& service, const Clock& clock)
    : store_(store), api_(api), service_(service), clock_(clock) {}

Result<ApplyReport> Executor::Apply(const Planned& planned) {
  ApplyReport report;
  Pass pass{planned, planned.known_remote_ids, {}, {}};
  for (const auto& want : planned.desired) {
    const std::string key = KeyOf(want.account, want.name);
    pass.fingerprints[key] = want.token_fingerprint;
    SK_ASSIGN_OR_RETURN(auto known, store_.GetSubscription(want.account, want.name));
    if (!known) {
      store::SubscriptionRecord record = want;
      record.next_renewal_at = WallTime{};  // unscheduled until the plan creates it
      SK_RETURN_IF_ERROR(store_.PutSubscription(record, std::nullopt));
      if (on_defined_) on_defined_(want.account, want.name);
      continue;
    }
    if (store::HasDesired(want, *known)) continue;
    // Under the lease: a renewal in flight would otherwise write its older copy back over it.
    Status set = service_.SetDesired(want);
    if (set.code() == StatusCode::kAborted) {
      pass.busy.insert(key);  // its actions would act on the old definition: next pass
      report.skipped.push_back("define " + key + ": " + set.ToString());
      continue;
    }
    SK_RETURN_IF_ERROR(set);
  }
  for (const auto& action : planned.plan.actions) {
    if (pass.busy.contains(KeyOf(action.account, action.name))) {
      report.skipped.push_back(Describe(action, Status::Aborted("its definition is not written")));
      continue;
    }
    Status status = ApplyOne(action, pass);
    if (status.ok()) {
      ++report.applied;
    } else if (status.code() == StatusCode::kAborted) {
      report.skipped.push_back(Describe(action, status));
      logging::ReconcileLog({action.account, action.name, action.remote_id})
          .info("not applied: {}", report.skipped.back());
    } else {
      report.errors.push_back(Describe(action, status));
    }
  }
  return report;
}

Status Executor::ApplyOne(const Action& action, Pass& pass) {
  using renewal::Trigger;
  const std::string key = KeyOf(action.account, action.name);
  // What the plan assumed of the record: "" when it had no remote id or no record at all.
  std::string& expected = pass.expected[key];
  switch (action.kind) {
    case ActionKind::kCreate:
      return service_.CreateGone(action.account, action.name, action.reason, expected);
    case ActionKind::kAdopt: {
      const auto* remote = Find(pass.planned.observed, action.account, action.remote_id);
      if (!remote)
        return Status::Internal("adopted subscription " + action.remote_id + " not observed");
      SK_RETURN_IF_ERROR(service_.Adopt(action.account, action.name, *remote,
                                        pass.fingerprints[key], action.reason));
      expected = action.remote_id;  // what the actions planned after the adoption act on
      return Status::OK();
    }
    case ActionKind::kUpdate:
      return service_.Update(action.account, action.name, action.reason, expected);
    case ActionKind::kRecreate:
      return service_.Recreate(action.account, action.name, action.reason,
                               Find(pass.planned.observed, action.account, action.remote_id),
                               expected);
    case ActionKind::kRenew:
      return service_.Run(action.account, action.name, Trigger::kManual, expected);
    case ActionKind::kForget:
      return service_.Forget(action.account, action.name, action.reason, expected);
    case ActionKind::kDelete:
      return Delete(action);
  }
  return Status::Internal("unknown plan action");
}

Status Executor::Delete(const Action& action) {
  if (!action.name.empty()) {
    Status guarded =
        service_.DeleteUnclaimed(action.account, action.name, action.remote_id, action.reason);
    if (guarded.code() != StatusCode::kNotFound) return guarded;
  }
  // No record names it (an orphan): nothing else can claim it meanwhile.
  Status deleted = api_.Delete(action.account, action.remote_id);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
  return store_.AppendHistory(store::MakeHistory(clock_.Now(), action.account, action.name,
                                                 store::HistoryKind::kDeleted, action.remote_id,
                                                 action.reason));
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
      logging::ReconcileLog({account}).warn("listing the account's subscriptions failed: {}",
                                            listed.status().ToString());
    }
  }
  return observed;
}

}  // namespace subkeeper::reconcile
