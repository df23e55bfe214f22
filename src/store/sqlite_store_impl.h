// The SQLite implementation of store::Store: one class, because one connection owns the
// database, with its methods defined role by role (the files follow the interfaces):
//
//   subscription_sql.cc  SubscriptionStore: records, schedule, leases
//   history_sql.cc       HistoryLog: history rows and the outbox events they queue
//   event_sql.cc         EventLog: events and the relay outbox
//   account_sql.cc       platform::AccountStateStore: accounts and rate blocks
//   condition_sql.cc     ConditionStore: condition transitions
//   claim_sql.cc         ClaimStore: claims on accounts, fenced account writes
//   sqlite_store.cc      opening, migrating, CheckWritable
//
// Internal to src/store.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "statement_cache.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/store/store.h"

namespace subkeeper::store {

// Write transactions take the write lock at BEGIN, where busy_timeout applies, instead of
// upgrading a read lock later (https://www.sqlite.org/lang_transaction.html).
inline constexpr auto kImmediate = SQLite::TransactionBehavior::IMMEDIATE;

// "account/name", for messages.
inline std::string Route(std::string_view account, std::string_view name) {
  return std::string(account) + "/" + std::string(name);
}

// kInvalidArgument unless both parts of a subscription's key are set.
inline Status CheckKey(std::string_view account, std::string_view name) {
  if (account.empty() || name.empty()) {
    return Status::InvalidArgument("store: a subscription needs an account and a name, got '" +
                                   Route(account, name) + "'");
  }
  return Status::OK();
}

// SQLite reads a negative LIMIT as "no limit".
inline int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }

// Holds the one connection to the database. Every method takes mu_ for its whole duration
// (VisitSubscriptionStates: for each chunk), so statements and transactions on the connection
// never interleave between threads; SQLite's own locking (WAL, busy_timeout) arbitrates with
// other processes. The lambdas the methods hand to CatchSqlite run at once, under that lock;
// each begins with mu_.AssertHeld() because the thread-safety analysis cannot see that.
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SQLite::Database> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)), statements_(*db_) {}

  // SubscriptionStore (subscription_sql.cc)
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

  // HistoryLog (history_sql.cc)
  Status AppendHistory(const HistoryEntry& entry) override;
  Result<std::vector<HistoryEntry>> ListHistory(const HistoryQuery& query) override;

  // EventLog (event_sql.cc)
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

  // platform::AccountStateStore (account_sql.cc)
  Result<std::vector<platform::AccountSnapshot>> LoadAccounts() override;
  Status SaveAccount(const platform::AccountSnapshot& snapshot) override;
  Result<std::vector<platform::RateBlock>> LoadRateBlocks(WallTime now) override;
  Status SaveRateBlock(const platform::RateBlock& block) override;

  // ConditionStore (condition_sql.cc)
  Result<std::vector<ConditionTransition>> ListConditionTransitions(
      const SubscriptionKey* only) override;
  Status PutConditionTransitions(const std::vector<ConditionTransition>& transitions) override;

  // RotationStore (rotation_sql.cc)
  Result<std::vector<Secret>> ListWebhookSecrets() override;
  Status PutWebhookSecrets(const std::vector<Secret>& secrets) override;

  // ClaimStore (claim_sql.cc)
  Result<std::optional<AccountClaim>> TryClaimAccount(std::string_view account,
                                                      std::string_view owner, WallTime now,
                                                      WallTime until) override;
  Result<bool> ExtendClaim(std::string_view account, int64_t epoch, WallTime now,
                           WallTime until) override;
  Status ReleaseClaim(std::string_view account, int64_t epoch) override;
  Result<std::vector<AccountClaim>> ListClaims() override;
  Result<bool> SaveAccountFenced(const platform::AccountSnapshot& snapshot, int64_t epoch) override;

  // Store (sqlite_store.cc)
  Status CheckWritable() override;

 private:
  // kInvalidArgument when an outbox event of `entry` has no uuid (InsertEvents' rule); checked
  // before any transaction begins.
  static Status CheckOutbox(const HistoryEntry& entry);
  // Appends `entry`, defaulting its time to `now_ms` and its route to (account, name) when unset,
  // and queues its outbox events (skipped when their uuid is already stored).
  // Call inside a write transaction. Throws SQLite::Exception.
  void InsertHistory(HistoryEntry entry, std::string_view account, std::string_view name,
                     int64_t now_ms) REQUIRES(mu_);

  const Clock& clock_;
  Mutex mu_;
  std::unique_ptr<SQLite::Database> db_ GUARDED_BY(mu_) PT_GUARDED_BY(mu_);
  StatementCache statements_ GUARDED_BY(mu_);  // destroyed before db_
};

}  // namespace subkeeper::store
