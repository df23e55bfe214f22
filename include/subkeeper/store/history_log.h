// The append-only lifecycle history of the subscriptions (store::HistoryEntry rows), with the
// lifecycle events each row queues for the app. Written by the renewal service, the reconcile
// executor and the relay (a dead-lettered event); read by `subkeeper history`.
//
// Thread-safe. Errors as in store/store.h.
#pragma once

#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store {

class HistoryLog {
 public:
  virtual ~HistoryLog() = default;

  // Appends `entry` and queues its `outbox` events (InsertEvents semantics: one whose uuid is
  // already stored is skipped), in one transaction. An unset `entry.at` is stamped from the
  // store's clock. kInvalidArgument when account or name is empty or an outbox event has no uuid.
  virtual Status AppendHistory(const HistoryEntry& entry) = 0;
  // Rows matching `query`, newest (highest id) first.
  virtual Result<std::vector<HistoryEntry>> ListHistory(const HistoryQuery& query) = 0;
};

}  // namespace subkeeper::store
