// The controller's side of claims on accounts (several keepers on one database,
// docs/replicas.md): which accounts it acts for, and what changes when it gains or loses one.
#include <algorithm>

#include "subkeeper/app/controller.h"
#include "subkeeper/common/log.h"
#include "subkeeper/reconcile/reconcile.h"

namespace subkeeper::app {

platform::AccountStateStore* Controller::StateStore() {
  if (fenced_state_) return fenced_state_.get();
  return store_.get();
}

bool Controller::Housekeeps() const { return leader_ == nullptr || leader_->Holds(kHousekeeping); }

bool Controller::Acts(std::string_view account) const {
  return claims_ == nullptr || claims_->Holds(account);
}

renewal::Scheduler::IsConfigured Controller::RenewableLookup() {
  return [applied = AppliedConfig(), claims = claims_.get()](std::string_view account,
                                                             std::string_view name) {
    if (claims != nullptr && !claims->Holds(account)) return false;  // its holder renews it
    return reconcile::FindConfigured(*applied.config, *applied.index, account, name) != nullptr;
  };
}

std::optional<SteadyTime> Controller::MaintainClaims() {
  if (!claims_) return std::nullopt;
  std::set<std::string> wanted;
  for (const auto& account : Current()->accounts) wanted.insert(account.name);
  const AccountClaims::Changes changes = claims_->Maintain(wanted);
  leader_->Maintain({kHousekeeping});
  if (!changes.gained.empty()) {
    // What the previous holder left: tokens it refreshed (its refresh token is spent), the
    // penalties it was given. Read before anything is sent for these accounts.
    if (auto api = Api()) api->Reload(changes.gained);
    {
      MutexLock lock(mu_);
      claimed_.insert(claimed_.end(), changes.gained.begin(), changes.gained.end());
    }
    host_.ClaimsGained();
  }
  // Their due renewals are this keeper's now; and every poll the schedule is read again for
  // records another keeper marked due (a reminder or a request it got for an account held
  // here, see SchedulerOptions::hand_off_refused): polling is what guarantees the hand-off.
  scheduler_->Wake();
  // A lost account needs nothing more: every lookup (scheduler, relay, reconcile, platform
  // client) asks the claims, and its claim is gone from them.
  return std::min(claims_->NextDue(), leader_->NextDue());
}

void Controller::ReleaseClaims() {
  if (claims_) claims_->ReleaseAll();
  if (leader_) leader_->ReleaseAll();
}

void Controller::ScheduleClaimed(WallTime now) {
  std::vector<std::string> claimed;
  {
    MutexLock lock(mu_);
    claimed.swap(claimed_);
  }
  if (claimed.empty()) return;
  const auto config = Current();
  for (const std::string& account : claimed) {
    const bool configured =
        std::any_of(config->accounts.begin(), config->accounts.end(),
                    [&](const config::AccountConfig& a) { return a.name == account; });
    if (!configured) continue;
    cadence_.Expedite(account, now);
    pass_reason_.emplace(account, "claimed");  // a start-up or reload pass keeps its name
  }
  keepalive_at_ = now;  // refresh-token-only accounts are kept alive by their holder
}

}  // namespace subkeeper::app
