// When each condition of each subscription last changed (Kubernetes lastTransitionTime): the
// conditions themselves are derived (renewal/conditions.h), only their transitions are stored.
// Read and written by whoever tracks the conditions; a subscription's transitions go with it
// (SubscriptionStore::DeleteSubscription).
//
// Thread-safe. Errors as in store/store.h.
#pragma once

#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store {

class ConditionStore {
 public:
  virtual ~ConditionStore() = default;

  // Of one subscription (`only`), or of all when null; ordered by account, name, type.
  virtual Result<std::vector<ConditionTransition>> ListConditionTransitions(
      const SubscriptionKey* only) = 0;
  // Inserts or replaces each (account, name, type), all in one transaction.
  virtual Status PutConditionTransitions(const std::vector<ConditionTransition>& transitions) = 0;
};

}  // namespace subkeeper::store
