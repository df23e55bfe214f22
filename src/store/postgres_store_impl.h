// The PostgreSQL implementation of store::Store, its methods defined role by role like the
// SQLite one's (sqlite_store_impl.h):
//
//   postgres_subscription.cc  SubscriptionStore: records, schedule, leases
//   postgres_history.cc       HistoryLog: history rows and the outbox events they queue
//   postgres_event.cc         EventLog: events and the relay outbox
//   postgres_account.cc       AccountStateStore, ConditionStore, RotationStore
//   postgres_claim.cc         ClaimStore: claims on accounts, fenced account writes
//   postgres_store.cc         opening, migrating, CheckWritable
//   postgres_codec.cc         row ↔ record conversion
//   postgres_conn.cc          libpq: connections, bind values, errors
//
// Internal to src/store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "postgres_conn.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/store/migrations.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/store.h"

namespace subkeeper::store {

// Migrations compiled from schema/postgres/NNNN_name.sql (cmake/EmbedMigrations.cmake).
const std::vector<Migration>& EmbeddedPostgresMigrations();

// A pooled connection for one call: every method runs as one transaction on it (a read of one
// statement as that statement's own). No transaction stays open between calls.
class PostgresStore final : public Store {
 public:
  PostgresStore(std::string conninfo, const Clock& clock, OpenMode mode)
      : clock_(clock), pool_(std::move(conninfo), kPostgresPoolSize, mode == OpenMode::kReadOnly) {}

  // SubscriptionStore (postgres_subscription.cc)
  Result<std::vector<SubscriptionRecord>> ListSubscriptions() override;
  Result<std::vector<SubscriptionRecord>> ListSubscriptionStates() override;
  Status VisitSubscriptionStates(const SubscriptionStateVisitor& visit, int chunk_rows) override;
  Result<std::vector<SubscriptionHead>> ListSubscriptionHeads(const SubscriptionKey* after,
                                                              int limit) override;
  Result<std::vector<SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view account) override;
  Result<std::optional<SubscriptionRecord>> GetSubscription(std::string_view account,
                                                            std::string_view name) override;
  Result<std::vector<ScheduleEntry>> ListSchedule(const std::optional<ScheduleEntry>& after,
                                                  int limit) override;
  Status PutSubscription(const SubscriptionRecord& record,
                         const std::optional<HistoryEntry>& history) override;
  Status DeleteSubscription(std::string_view account, std::string_view name,
                            const std::optional<HistoryEntry>& history) override;
  Result<bool> TryAcquireLease(std::string_view account, std::string_view name,
                               std::string_view owner, WallTime now, WallTime until) override;
  Status ReleaseLease(std::string_view account, std::string_view name,
                      std::string_view owner) override;

  // HistoryLog (postgres_history.cc)
  Status AppendHistory(const HistoryEntry& entry) override;
  Result<std::vector<HistoryEntry>> ListHistory(const HistoryQuery& query) override;

  // EventLog (postgres_event.cc)
  Result<std::vector<InsertOutcome>> InsertEvents(const std::vector<EventRecord>& batch) override;
  Result<std::vector<EventRecord>> ListEvents(std::string_view account, std::string_view name,
                                              std::optional<RelayState> relay_state,
                                              int limit) override;
  Result<std::vector<EventRecord>> ListRelayHeads() override;
  Status UpdateRelay(int64_t seq, const RelayUpdate& update) override;
  Result<int64_t> RequeueEvents(const ReplayQuery& query) override;
  Result<int64_t> PruneEvents(WallTime done_before, WallTime dead_before, int limit) override;
  Result<std::vector<RelayBacklog>> CountRelay() override;
  Result<std::vector<LastEvent>> ListLastEvents() override;

  // platform::AccountStateStore, ConditionStore, RotationStore (postgres_account.cc)
  Result<std::vector<platform::AccountSnapshot>> LoadAccounts() override;
  Status SaveAccount(const platform::AccountSnapshot& snapshot) override;
  Result<std::vector<platform::RateBlock>> LoadRateBlocks(WallTime now) override;
  Status SaveRateBlock(const platform::RateBlock& block) override;
  Result<Millis> SpendRequest(std::string_view account, platform::RateGroup group, int limit,
                              Seconds window, WallTime now) override;
  Result<std::vector<ConditionTransition>> ListConditionTransitions(
      const SubscriptionKey* only) override;
  Status PutConditionTransitions(const std::vector<ConditionTransition>& transitions) override;
  Result<std::vector<Secret>> ListWebhookSecrets() override;
  Status PutWebhookSecrets(const std::vector<Secret>& secrets) override;

  // ClaimStore (postgres_claim.cc)
  Result<std::optional<AccountClaim>> TryClaimAccount(std::string_view account,
                                                      std::string_view owner, WallTime now,
                                                      WallTime until) override;
  Result<bool> ExtendClaim(std::string_view account, int64_t epoch, WallTime now,
                           WallTime until) override;
  Status ReleaseClaim(std::string_view account, int64_t epoch) override;
  Result<std::vector<AccountClaim>> ListClaims() override;
  Result<bool> SaveAccountFenced(const platform::AccountSnapshot& snapshot, int64_t epoch) override;

  // Store (postgres_store.cc)
  Status CheckWritable() override;

  // Applies the pending migrations (postgres_store.cc). Called once by OpenPostgresStore.
  Status Migrate();
  // Checks, without changing anything, that the schema is there and this build's (kReadOnly).
  Status CheckSchema();

 private:
  // Runs `fn(conn)` (returning Status or Result<T>) on a pooled connection inside
  // BEGIN … COMMIT, or ROLLBACK when it fails. Errors are prefixed with nothing more: the
  // statements name `operation` themselves through Exec.
  template <typename Fn>
  auto Transact(std::string_view operation, Fn&& fn) -> decltype(fn(std::declval<PGconn*>()));
  // Runs `fn(conn)` on a pooled connection without an explicit transaction: for one statement.
  template <typename Fn>
  auto Single(Fn&& fn) -> decltype(fn(std::declval<PGconn*>()));

  // Appends `entry` (time, route defaulted as SqliteStore::InsertHistory does) and queues its
  // outbox events. REQUIRES: inside a transaction on `conn`.
  Status InsertHistory(PGconn* conn, std::string_view operation, HistoryEntry entry,
                       std::string_view account, std::string_view name, WallTime now);

  const Clock& clock_;
  pg::ConnectionPool pool_;
};

// Inserts `batch` (uuids already checked) in input order, skipping stored uuids, with each
// subscription's stream row locked first so that commit order is seq order per subscription
// (postgres_event.cc). REQUIRES: inside a transaction on `conn`.
Result<std::vector<InsertOutcome>> InsertEventRows(PGconn* conn, std::string_view operation,
                                                   const std::vector<EventRecord>& batch);

template <typename Fn>
auto PostgresStore::Transact(std::string_view operation, Fn&& fn)
    -> decltype(fn(std::declval<PGconn*>())) {
  SK_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease, pool_.Acquire());
  PGconn* conn = lease.get();
  SK_RETURN_IF_ERROR(pg::Exec(conn, operation, "BEGIN").status());
  auto result = fn(conn);
  if (!result.ok()) {
    // Best effort: a connection that cannot even roll back is dropped by the pool.
    (void)pg::Exec(conn, operation, "ROLLBACK");
    return result;
  }
  SK_RETURN_IF_ERROR(pg::Exec(conn, operation, "COMMIT").status());
  return result;
}

template <typename Fn>
auto PostgresStore::Single(Fn&& fn) -> decltype(fn(std::declval<PGconn*>())) {
  SK_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease, pool_.Acquire());
  return fn(lease.get());
}

}  // namespace subkeeper::store
