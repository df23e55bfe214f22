// Applies a Plan. Every mutation of a configured subscription goes through the renewal service,
// under that subscription's lease and only while the record still has the remote id the plan
// was made from (Planned::known_remote_ids): a decision the timer or a reminder overtook is
// skipped, never carried out beside theirs. Only orphans (no record) are deleted here directly.
// Before acting, the desired definition of every configured subscription is written to its
// record, so a later renewal or retry uses the new definition.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/reconcile/planner.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::reconcile {

struct ApplyReport {
  int applied = 0;
  std::vector<std::string> errors;  // "<action> <account>/<name>: <status>"
  // Not carried out because the record changed since the plan was made, or a renewal held its
  // lease: the next pass plans them again from a fresh observation. Same format as errors.
  std::vector<std::string> skipped;
  bool complete() const { return errors.empty() && skipped.empty(); }
};

class Executor {
 public:
  // All references must outlive the executor.
  Executor(store::SubscriptionStore& store, platform::SubscriptionApi& api,
           renewal::RenewalService& service, const Clock& clock);

  // Writes `planned.desired` into the store (creating records, keeping observed state), then
  // performs the plan's actions in order. A failed or skipped action does not stop the others.
  // Store errors while writing the desired records are returned; action errors are reported in
  // ApplyReport (the renewal service has already scheduled their retries).
  Result<ApplyReport> Apply(const Planned& planned);

  // Called (on the applying thread) right after a new record is written, before anything is sent
  // for it: the platform may deliver to a subscription before its create's answer is read, so
  // whatever accepts its notifications (the webhook routes) must know it from the start.
  void SetOnDefined(std::function<void(const std::string& account, const std::string& name)> f) {
    on_defined_ = std::move(f);
  }

 private:
  // One Apply: what the actions decide from, updated as they go.
  struct Pass {
    const Planned& planned;
    std::map<std::string, std::string> expected;      // "account/name" → remote id assumed
    std::map<std::string, std::string> fingerprints;  // "account/name" → desired fingerprint
    std::set<std::string> busy;                       // definition not written: skip
  };
  Status ApplyOne(const Action& action, Pass& pass);
  Status Delete(const Action& action);

  store::SubscriptionStore& store_;
  platform::SubscriptionApi& api_;
  renewal::RenewalService& service_;
  const Clock& clock_;
  std::function<void(const std::string& account, const std::string& name)> on_defined_;
};

// Lists every account once. Accounts whose list call failed are absent from the result (the
// planner then plans nothing for them); their errors are appended to `errors`.
std::map<std::string, std::vector<platform::RemoteSubscription>> ObserveAccounts(
    platform::SubscriptionApi& api, const std::vector<std::string>& accounts,
    std::vector<std::string>& errors);

}  // namespace subkeeper::reconcile
