// The persistence contract. One production implementation (SqliteStore); a PostgreSQL one with
// leases shared between replicas can follow. All methods are thread-safe. Errors: kUnavailable
// when the database is busy or the disk refuses a write (retry later), kDataLoss when it is
// corrupt, kFailedPrecondition when its schema is newer than this build, kInvalidArgument when a
// key (account, name, lease owner, event uuid, rate-limit group) is empty.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/store/records.h"
#include "subkeeper/store/rotation_store.h"

namespace subkeeper::store {

using SubscriptionStateVisitor = std::function<void(const SubscriptionStateView&)>;

// Records per chunk of Store::VisitSubscriptionStates for /metrics. B6 walks 100k records with
// their conditions in about 115 ms on one core, so a chunk holds the store's lock for a few
// milliseconds and a webhook commit waits at most about that long for a scrape.
inline constexpr int kSubscriptionStateChunkRows = 2000;

// Also the RotationStore (rotation_store.h), which has its own small header.
class Store : public RotationStore {
 public:
  ~Store() override = default;

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
  // The heads of at most `limit` (> 0) records in (account, name) order, starting after `after`
  // (from the first when null): a walk over every record that never holds them all at once.
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

  // Inserts or replaces the record (all columns but the lease, which is kept) and, when
  // `history` is given, appends it and queues its `outbox` events — in one transaction.
  virtual Status PutSubscription(const SubscriptionRecord& record,
                                 const std::optional<HistoryEntry>& history) = 0;
  // Removes the record (and its lease) and appends `history` (queuing its `outbox` events) when
  // given, in one transaction.
  // Deleting a missing record is OK.
  virtual Status DeleteSubscription(std::string_view account, std::string_view name,
                                    const std::optional<HistoryEntry>& history) = 0;

  // Takes the lease on (account, name) for `owner` until `until` when it is free, expired
  // (lease_until <= now) or already held by `owner`. Returns false when someone else holds it,
  // kNotFound when the record does not exist.
  virtual Result<bool> TryAcquireLease(std::string_view account, std::string_view name,
                                       std::string_view owner, WallTime now, WallTime until) = 0;
  // Releases the lease when `owner` holds it; otherwise does nothing.
  virtual Status ReleaseLease(std::string_view account, std::string_view name,
                              std::string_view owner) = 0;

  // Appends `entry` and queues its `outbox` events, in one transaction.
  virtual Status AppendHistory(const HistoryEntry& entry) = 0;
  virtual Result<std::vector<HistoryEntry>> ListHistory(const HistoryQuery& query) = 0;

  // Stores every event of `batch` in ONE transaction (durable when this returns), skipping those
  // whose uuid is already stored. Returns one outcome per input, in order.
  virtual Result<std::vector<InsertOutcome>> InsertEvents(
      const std::vector<EventRecord>& batch) = 0;
  // Events in seq order, optionally of one route ("" = any) and relay state ("" = any);
  // `limit` <= 0 = no limit.
  virtual Result<std::vector<EventRecord>> ListEvents(std::string_view account,
                                                      std::string_view name,
                                                      std::string_view relay_state, int limit) = 0;

  // ---- Relay (the events table as a durable outbox to the app) ----

  // For every (account, name) with "pending" events: its oldest pending event (lowest seq),
  // ordered by seq. The relay delivers in order per subscription, so only heads are eligible.
  virtual Result<std::vector<EventRecord>> ListRelayHeads() = 0;
  // Writes the outcome of a delivery attempt to event `seq`. kNotFound when there is no such event.
  virtual Status UpdateRelay(int64_t seq, const RelayUpdate& update) = 0;
  // Puts the events matching `query` back to "pending" (attempts 0, next attempt unset,
  // last_error cleared) in one transaction. Returns how many changed.
  virtual Result<int64_t> RequeueEvents(const ReplayQuery& query) = 0;
  // Deletes at most `limit` events that need nothing more: "delivered" / "none" received before
  // `done_before`, "dead" received before `dead_before`. Never a "pending" one. Returns how many.
  // `limit` <= 0 = no limit.
  virtual Result<int64_t> PruneEvents(WallTime done_before, WallTime dead_before, int limit) = 0;
  // Relay counts per (account, name) that has any event, ordered by account, name.
  virtual Result<std::vector<RelayBacklog>> CountRelay() = 0;
  // The newest stored notification (kind "event") of each (account, name) that has one.
  virtual Result<std::vector<LastEvent>> ListLastEvents() = 0;

  // ---- Accounts (credentials state and rate-limit penalties, surviving restarts) ----

  virtual Result<std::optional<AccountRecord>> GetAccount(std::string_view account) = 0;
  // Ordered by account.
  virtual Result<std::vector<AccountRecord>> ListAccounts() = 0;
  // Inserts or replaces the record (updated_at set by the store).
  virtual Status PutAccount(const AccountRecord& record) = 0;
  // Inserts or replaces the block of (account, group). Blocks whose `until` has passed may be
  // dropped by the store at any time.
  virtual Status PutRateBlock(const RateBlock& block) = 0;
  // Blocks with until > now, ordered by account, group.
  virtual Result<std::vector<RateBlock>> ListRateBlocks(WallTime now) = 0;

  // ---- Condition transitions ----

  // Of one subscription (`only`), or of all when null; ordered by account, name, type.
  virtual Result<std::vector<ConditionTransition>> ListConditionTransitions(
      const SubscriptionKey* only) = 0;
  // Inserts or replaces each (account, name, type), all in one transaction.
  virtual Status PutConditionTransitions(const std::vector<ConditionTransition>& transitions) = 0;

  // OK when a write transaction can be begun and committed now and an event row can be inserted
  // in it (the insert is undone; used by /readyz).
  virtual Status CheckWritable() = 0;
};

}  // namespace subkeeper::store
