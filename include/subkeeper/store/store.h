// The persistence contract, split by who calls it: each consumer takes the narrowest role it
// uses, so a fake of one is a few methods.
//
//   SubscriptionStore (subscription_store.h)  records, schedule, leases, history (HistoryLog)
//                                              — renewal, reconcile
//   EventLog (event_log.h)                     events and the relay outbox — webhook, relay, app
//   ConditionStore (condition_store.h)         condition transitions — app
//   RotationStore (rotation_store.h)           the webhook secrets in use and rotated out — app
//   platform::AccountStateStore                tokens, credential state, rate-limit penalties
//                                              — the platform client
//
// Store bundles them with the readiness check: what the composition root opens once
// (OpenSqliteStore) and hands out role by role. One production implementation (SqliteStore); a
// second (PostgreSQL) implements the same bundle and runs the same conformance suite
// (tests/store/conformance/).
//
// All methods are thread-safe. Errors: kUnavailable when the database is busy or the disk
// refuses a write (retry later), kDataLoss when it is corrupt, kFailedPrecondition when its
// schema is newer than this build, kInvalidArgument when a key (account, name, lease owner,
// event uuid, rate-limit group) is empty.
#pragma once

#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/store/claim_store.h"
#include "subkeeper/store/condition_store.h"
#include "subkeeper/store/event_log.h"
#include "subkeeper/store/rotation_store.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::store {

// How a store is opened, whatever its engine.
enum class OpenMode {
  // Creates what is missing and applies pending migrations: the keeper's mode.
  kReadWrite,
  // Only an existing, current database; nothing is created or migrated and every write fails.
  // For commands that only read (history, plan): kNotFound when there is no database yet,
  // kFailedPrecondition when its schema is not this build's.
  kReadOnly,
};

class Store : public SubscriptionStore,
              public EventLog,
              public ClaimStore,
              public ConditionStore,
              public RotationStore,
              public platform::AccountStateStore {
 public:
  // OK when a write transaction can be begun and committed now and an event row can be inserted
  // in it (the insert is undone; used by /readyz).
  virtual Status CheckWritable() = 0;
};

}  // namespace subkeeper::store
