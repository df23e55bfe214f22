// Applies a Plan. Every mutation of a configured subscription goes through the renewal service,
// under that subscription's lease; only orphans (no record) are deleted here directly.
// Before acting, the desired definition of every configured subscription is written to its
// record, so a later renewal or retry uses the new definition.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/reconcile/planner.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/store.h"

namespace subkeeper::reconcile {

struct ApplyReport {
  int applied = 0;
  std::vector<std::string> errors;  // "<action> <account>/<name>: <status>"
};

class Executor {
 public:
  // All references must outlive the executor.
  Executor(store::Store& store, platform::SubscriptionApi& api, renewal::RenewalService& service,
           const Clock& clock, int64_t direct_margin_pct);

  // Writes `desired` into the store (creating records, keeping observed state), then performs
  // `plan`'s actions in order. A failed action does not stop the others. Store errors while
  // writing the desired records are returned; action errors are reported in ApplyReport (the
  // renewal service has already scheduled their retries).
  Result<ApplyReport> Apply(
      const std::vector<store::SubscriptionRecord>& desired, const Plan& plan,
      const std::map<std::string, std::vector<platform::RemoteSubscription>>& observed);

 private:
  Status ApplyOne(const Action& action,
                  const std::map<std::string, std::vector<platform::RemoteSubscription>>& observed);
  Status Adopt(const Action& action, const platform::RemoteSubscription& remote);
  Status CreateMissing(const Action& action);

  store::Store& store_;
  platform::SubscriptionApi& api_;
  renewal::RenewalService& service_;
  const Clock& clock_;
  const int64_t direct_margin_pct_;
  std::map<std::string, std::string> desired_fingerprints_;  // "account/name" → fingerprint
};

// Lists every account once. Accounts whose list call failed are absent from the result (the
// planner then plans nothing for them); their errors are appended to `errors`.
std::map<std::string, std::vector<platform::RemoteSubscription>> ObserveAccounts(
    platform::SubscriptionApi& api, const std::vector<std::string>& accounts,
    std::vector<std::string>& errors);

}  // namespace subkeeper::reconcile
