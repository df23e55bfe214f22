// The subscription records, their renewal schedule, their leases and their history: what the
// renewal service, the scheduler and the reconcile pass read and write. The admin view and
// /metrics read it too.
//
// Thread-safe. Errors as in store/store.h.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/store/history_log.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store {

using SubscriptionStateVisitor = std::function<void(const SubscriptionStateView&)>;

// Records per chunk of SubscriptionStore::VisitSubscriptionStates for /metrics. B6 walks 100k
// records with their conditions in about 115 ms on one core, so a chunk holds the store's lock
// for a few milliseconds and a webhook commit waits at most about that long for a scrape.
inline constexpr int kSubscriptionStateChunkRows = 2000;

class SubscriptionStore : public HistoryLog {
 public:
  // Every record, ordered by (account, name).
  virtual Result<std::vector<SubscriptionRecord>> ListSubscriptions() = 0;
  // Every record in (account, name) order with only the fields its conditions and expiry are
  // derived from (see renewal/conditions.h): account, name, remote_id, status, expires_at,
  // failures, last_error, blacklisted_reason, reminder, reminder_path_broken,
  // disabled_filters; the others keep their defaults. For /metrics: a scrape at 100k records
  // reads a third of the columns and decodes one list instead of three. The default reads whole
  // records.
  virtual Result<std::vector<SubscriptionRecord>> ListSubscriptionStates() {
    return ListSubscriptions();
  }
  // Calls `visit` with the state of every record (SubscriptionStateView), in (account, name)
  // order, without materialising them all: the store reads at most `chunk_rows` (> 0, else
  // kInvalidArgument) records per lock hold and calls `visit` with no lock held, so `visit` may
  // call the store and writers interleave with the walk. Each chunk is read by one statement
  // (one consistent read); the walk as a whole is not a snapshot: a record written between two
  // chunks is seen with its new state when its key is after the last one visited, else not
  // again; a record deleted meanwhile may or may not be seen; none is seen twice. Good enough for
  // /metrics, which counts states that change anyway. An error ends the walk and is returned
  // after `visit` has seen the chunks before it. The default reads ListSubscriptionStates() and
  // visits it (for fakes).
  virtual Status VisitSubscriptionStates(const SubscriptionStateVisitor& visit, int chunk_rows) {
    if (chunk_rows <= 0) {
      return Status::InvalidArgument("store: a walk over subscription states needs a chunk > 0");
    }
    SK_ASSIGN_OR_RETURN(std::vector<SubscriptionRecord> records, ListSubscriptionStates());
    for (const SubscriptionRecord& record : records) visit(StateViewOf(record));
    return Status::OK();
  }
  // The heads of at most `limit` (> 0, else kInvalidArgument) records in (account, name) order,
  // starting after `after` (from the first when null): a walk over every record that never holds
  // them all at once.
  virtual Result<std::vector<SubscriptionHead>> ListSubscriptionHeads(const SubscriptionKey* after,
                                                                      int limit) = 0;
  // The records of one account, ordered by name: a range of the primary key, so a per-account
  // reconcile costs what that account has, not what the whole store has.
  virtual Result<std::vector<SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view account) = 0;
  virtual Result<std::optional<SubscriptionRecord>> GetSubscription(std::string_view account,
                                                                    std::string_view name) = 0;

  // The renewal schedule: records with next_renewal_at set, ordered by (next_renewal_at,
  // account, name), starting after `after` (exclusive; nullopt = from the start), at most `limit`
  // (> 0, else kInvalidArgument). Served by an index: the cost does not grow with the number of
  // records.
  virtual Result<std::vector<ScheduleEntry>> ListSchedule(const std::optional<ScheduleEntry>& after,
                                                          int limit) = 0;

  // Inserts or replaces the record (all columns but the lease, which is kept; updated_at set by
  // the store) and, when `history` is given, appends it and queues its `outbox` events — in one
  // transaction. A history entry without account or name takes the record's.
  // kInvalidArgument when account or name is empty, or a string is not UTF-8.
  virtual Status PutSubscription(const SubscriptionRecord& record,
                                 const std::optional<HistoryEntry>& history) = 0;
  // Removes the record, its lease and its condition transitions (ConditionStore), and appends
  // `history` (queuing its `outbox` events) when given, in one transaction.
  // Deleting a missing record is OK.
  virtual Status DeleteSubscription(std::string_view account, std::string_view name,
                                    const std::optional<HistoryEntry>& history) = 0;

  // Takes the lease on (account, name) for `owner` until `until` when it is free, expired
  // (lease_until <= now) or already held by `owner`. Returns false when someone else holds it,
  // kNotFound when the record does not exist, kInvalidArgument when `owner` is empty.
  virtual Result<bool> TryAcquireLease(std::string_view account, std::string_view name,
                                       std::string_view owner, WallTime now, WallTime until) = 0;
  // Releases the lease when `owner` holds it; otherwise does nothing.
  virtual Status ReleaseLease(std::string_view account, std::string_view name,
                              std::string_view owner) = 0;
};

}  // namespace subkeeper::store
