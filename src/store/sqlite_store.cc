#include "subkeeper/store/sqlite_store.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <mutex>

#include "account_sql.h"
#include "event_sql.h"
#include "record_codec.h"
#include "rotation_sql.h"
#include "sqlite_error.h"
#include "sqlite_open.h"
#include "statement_cache.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/store/migrations.h"

namespace subkeeper::store {
namespace {

constexpr auto kImmediate = SQLite::TransactionBehavior::IMMEDIATE;

std::string Route(std::string_view account, std::string_view name) {
  return std::string(account) + "/" + std::string(name);
}

Status CheckKey(std::string_view account, std::string_view name) {
  if (account.empty() || name.empty()) {
    return Status::InvalidArgument("store: a subscription needs an account and a name, got '" +
                                   Route(account, name) + "'");
  }
  return Status::OK();
}

// The outbox event obeys InsertEvents' rules; checked before any transaction begins.
Status CheckOutbox(const HistoryEntry& h) {
  for (const EventRecord& e : h.outbox) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an outbox event needs a uuid");
  }
  return Status::OK();
}

// SQLite reads a negative LIMIT as "no limit".
int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }

// Builds "<select> WHERE a = ? AND b = ?" from the non-empty filters, so the indexes on the
// filtered columns stay usable; `values` receives the bind values in order.
std::string WithFilters(std::string sql,
                        std::initializer_list<std::pair<const char*, std::string_view>> filters,
                        std::vector<std::string_view>& values) {
  const char* glue = " WHERE ";
  for (const auto& [column, value] : filters) {
    if (value.empty()) continue;
    sql += glue + std::string(column) + " = ?";
    values.push_back(value);
    glue = " AND ";
  }
  return sql;
}

}  // namespace

// Holds the one connection to the database. Every method takes mu_ for its whole duration
// (VisitSubscriptionStates: for each chunk), so statements and transactions on the connection
// never interleave between threads; SQLite's own
// locking (WAL, busy_timeout) arbitrates with other processes.
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SQLite::Database> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)), statements_(*db_) {}

  Result<std::vector<SubscriptionRecord>> ListSubscriptions() override;
  Result<std::vector<SubscriptionRecord>> ListSubscriptionStates() override;
  Status VisitSubscriptionStates(const SubscriptionStateVisitor& visit, int chunk_rows) override;
  Result<std::vector<SubscriptionHead>> ListSubscriptionHeads(const SubscriptionKey* after,
                                                              int limit) override;
  Result<std::vector<SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view account) override;
  Result<std::optional<SubscriptionRecord>> GetSubscription(std::string_view account,
                                                            std::string_view name) override;
  Status PutSubscription(const SubscriptionRecord& record,
                         const std::optional<HistoryEntry>& history) override;
  Status DeleteSubscription(std::string_view account, std::string_view name,
                            const std::optional<HistoryEntry>& history) override;
  Result<bool> TryAcquireLease(std::string_view account, std::string_view name,
                               std::string_view owner, WallTime now, WallTime until) override;
  Status ReleaseLease(std::string_view account, std::string_view name,
                      std::string_view owner) override;
  Status AppendHistory(const HistoryEntry& entry) override;
  Result<std::vector<HistoryEntry>> ListHistory(const HistoryQuery& query) override;
  Result<std::vector<InsertOutcome>> InsertEvents(const std::vector<EventRecord>& batch) override;
  Result<std::vector<EventRecord>> ListEvents(std::string_view account, std::string_view name,
                                              std::string_view relay_state, int limit) override;
  Result<std::vector<EventRecord>> ListRelayHeads() override;
  Status UpdateRelay(int64_t seq, const RelayUpdate& update) override;
  Result<int64_t> RequeueEvents(const ReplayQuery& query) override;
  Result<int64_t> PruneEvents(WallTime done_before, WallTime dead_before, int limit) override;
  Result<std::vector<RelayBacklog>> CountRelay() override;
  Status CheckWritable() override;
  Result<std::vector<ScheduleEntry>> ListSchedule(const std::optional<ScheduleEntry>& after,
                                                  int limit) override;
  Result<std::optional<AccountRecord>> GetAccount(std::string_view account) override;
  Result<std::vector<AccountRecord>> ListAccounts() override;
  Status PutAccount(const AccountRecord& record) override;
  Status PutRateBlock(const RateBlock& block) override;
  Result<std::vector<RateBlock>> ListRateBlocks(WallTime now) override;
  Result<std::vector<ConditionTransition>> ListConditionTransitions(
      const SubscriptionKey* only) override;
  Result<std::vector<LastEvent>> ListLastEvents() override;
  Status PutConditionTransitions(const std::vector<ConditionTransition>& transitions) override;
  Result<std::vector<Secret>> ListWebhookSecrets() override;
  Status PutWebhookSecrets(const std::vector<Secret>& secrets) override;

 private:
  // Appends `entry`, defaulting its time to `now_ms` and its route to (account, name) when unset,
  // and queues its outbox event (skipped when its uuid is already stored).
  // REQUIRES: mu_ held, inside a write transaction. Throws SQLite::Exception.
  void InsertHistory(HistoryEntry entry, std::string_view account, std::string_view name,
                     int64_t now_ms);

  const Clock& clock_;
  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;  // guarded by mu_
  StatementCache statements_;             // guarded by mu_; destroyed before db_
};

Result<std::vector<SubscriptionRecord>> SqliteStore::ListSubscriptions() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list subscriptions", [&]() -> Result<std::vector<SubscriptionRecord>> {
    auto st_lease = statements_.Get(SubscriptionSelectSql() + " ORDER BY account, name");
    SQLite::Statement& st = *st_lease;
    std::vector<SubscriptionRecord> out;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(SubscriptionRecord r, ReadSubscription(st));
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<std::vector<SubscriptionRecord>> SqliteStore::ListSubscriptionStates() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list subscription states", [&]() -> Result<std::vector<SubscriptionRecord>> {
    std::vector<SubscriptionRecord> out;
    {
      // Sized once: growing a vector of 100k records by doubling moves them about 17 times.
      auto count_lease = statements_.Get("SELECT count(*) FROM subscriptions");
      if (count_lease->executeStep()) {
        out.reserve(static_cast<size_t>(count_lease->getColumn(0).getInt64()));
      }
    }
    auto st_lease =
        statements_.Get(std::string(kSubscriptionStateSelectSql) + " ORDER BY account, name");
    SQLite::Statement& st = *st_lease;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(SubscriptionRecord r, ReadSubscriptionState(st));
      out.push_back(std::move(r));
    }
    return out;
  });
}

Status SqliteStore::VisitSubscriptionStates(const SubscriptionStateVisitor& visit, int chunk_rows) {
  if (chunk_rows <= 0) {
    return Status::InvalidArgument("store: a walk over subscription states needs a chunk > 0");
  }
  // Keyset pagination: each chunk is one seek on the primary key (account, name) past the last
  // key read, with a row-value comparison (https://www.sqlite.org/rowvalue.html), so a chunk
  // costs the same wherever it starts. mu_ is held for one chunk only and the statement is reset
  // when its lease ends, so no read transaction stays open while `visit` runs
  // (https://www.sqlite.org/lang_transaction.html: a read transaction ends with the last active
  // statement); webhook commits on this connection wait for one chunk at most, not the walk.
  static const std::string first_sql =
      std::string(kSubscriptionStateRowSelectSql) + " ORDER BY account, name LIMIT ?";
  static const std::string next_sql = std::string(kSubscriptionStateRowSelectSql) +
                                      " WHERE (account, name) > (?, ?) ORDER BY account, name "
                                      "LIMIT ?";
  std::vector<SubscriptionStateRow> rows;  // reused from chunk to chunk
  std::string after_account, after_name;
  for (bool first = true;; first = false) {
    size_t n = 0;
    {
      std::lock_guard lock(mu_);
      Status read = CatchSqlite("list subscription states", [&]() -> Status {
        auto st_lease = statements_.Get(first ? first_sql : next_sql);
        SQLite::Statement& st = *st_lease;
        int i = 1;
        if (!first) {
          st.bind(i++, after_account);
          st.bind(i++, after_name);
        }
        st.bind(i, chunk_rows);
        while (st.executeStep()) {
          if (n == rows.size()) rows.emplace_back();
          SK_RETURN_IF_ERROR(ReadSubscriptionStateRow(st, rows[n]));
          ++n;
        }
        return Status::OK();
      });
      SK_RETURN_IF_ERROR(read);
    }
    for (size_t i = 0; i < n; ++i) visit(rows[i].View());
    if (n < static_cast<size_t>(chunk_rows)) return Status::OK();
    after_account = rows[n - 1].account;
    after_name = rows[n - 1].name;
  }
}

Result<std::vector<SubscriptionHead>> SqliteStore::ListSubscriptionHeads(
    const SubscriptionKey* after, int limit) {
  if (limit <= 0)
    return Status::InvalidArgument("store: a page of subscriptions needs a limit > 0");
  std::lock_guard lock(mu_);
  return CatchSqlite("list subscriptions", [&]() -> Result<std::vector<SubscriptionHead>> {
    // A seek on the primary key (account, name) per page, whatever the page's position.
    auto st_lease = statements_.Get(
        std::string("SELECT account, name, reminder_filter, token_fingerprint, remote_id "
                    "FROM subscriptions") +
        (after != nullptr ? " WHERE (account, name) > (?, ?) ORDER BY account, name LIMIT ?"
                          : " ORDER BY account, name LIMIT ?"));
    SQLite::Statement& st = *st_lease;
    int i = 1;
    if (after != nullptr) {
      st.bind(i++, after->account);
      st.bind(i++, after->name);
    }
    st.bind(i, limit);
    std::vector<SubscriptionHead> out;
    out.reserve(static_cast<size_t>(std::min(limit, 1024)));
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(auto reminder, DecodeReminder(st.getColumn(2).getString()));
      out.push_back(SubscriptionHead{st.getColumn(0).getString(), st.getColumn(1).getString(),
                                     std::move(reminder), st.getColumn(3).getString(),
                                     st.getColumn(4).getString()});
    }
    return out;
  });
}

Result<std::vector<SubscriptionRecord>> SqliteStore::ListAccountSubscriptions(
    std::string_view account) {
  std::lock_guard lock(mu_);
  return CatchSqlite("list subscriptions of " + std::string(account),
                     [&]() -> Result<std::vector<SubscriptionRecord>> {
                       SQLite::Statement st(
                           *db_, SubscriptionSelectSql() + " WHERE account = ? ORDER BY name");
                       st.bind(1, std::string(account));
                       std::vector<SubscriptionRecord> out;
                       while (st.executeStep()) {
                         SK_ASSIGN_OR_RETURN(SubscriptionRecord r, ReadSubscription(st));
                         out.push_back(std::move(r));
                       }
                       return out;
                     });
}

Result<std::optional<SubscriptionRecord>> SqliteStore::GetSubscription(std::string_view account,
                                                                       std::string_view name) {
  std::lock_guard lock(mu_);
  using Out = std::optional<SubscriptionRecord>;
  return CatchSqlite("get subscription " + Route(account, name), [&]() -> Result<Out> {
    auto st_lease = statements_.Get(SubscriptionSelectSql() + " WHERE account = ? AND name = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(account));
    st.bind(2, std::string(name));
    if (!st.executeStep()) return Out();
    SK_ASSIGN_OR_RETURN(SubscriptionRecord r, ReadSubscription(st));
    return Out(std::move(r));
  });
}

Status SqliteStore::PutSubscription(const SubscriptionRecord& record,
                                    const std::optional<HistoryEntry>& history) {
  SK_RETURN_IF_ERROR(CheckKey(record.account, record.name));
  if (history) SK_RETURN_IF_ERROR(CheckOutbox(*history));
  std::lock_guard lock(mu_);
  return CatchSqlite("put subscription " + Route(record.account, record.name), [&]() -> Status {
    const int64_t now_ms = ToUnixMillis(clock_.Now());
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get(SubscriptionUpsertSql());
    SQLite::Statement& st = *st_lease;
    SK_RETURN_IF_ERROR(BindSubscription(st, record, now_ms));
    st.exec();
    if (history) InsertHistory(*history, record.account, record.name, now_ms);
    tx.commit();
    return Status::OK();
  });
}

Status SqliteStore::DeleteSubscription(std::string_view account, std::string_view name,
                                       const std::optional<HistoryEntry>& history) {
  if (history) SK_RETURN_IF_ERROR(CheckOutbox(*history));
  std::lock_guard lock(mu_);
  return CatchSqlite("delete subscription " + Route(account, name), [&]() -> Status {
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get("DELETE FROM subscriptions WHERE account = ? AND name = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(account));
    st.bind(2, std::string(name));
    st.exec();
    auto conditions_lease =
        statements_.Get("DELETE FROM condition_transitions WHERE account = ? AND name = ?");
    SQLite::Statement& conditions = *conditions_lease;
    conditions.bind(1, std::string(account));
    conditions.bind(2, std::string(name));
    conditions.exec();
    if (history) InsertHistory(*history, account, name, ToUnixMillis(clock_.Now()));
    tx.commit();
    return Status::OK();
  });
}

Result<bool> SqliteStore::TryAcquireLease(std::string_view account, std::string_view name,
                                          std::string_view owner, WallTime now, WallTime until) {
  if (owner.empty()) return Status::InvalidArgument("store: a lease owner must not be empty");
  std::lock_guard lock(mu_);
  return CatchSqlite("acquire lease on " + Route(account, name), [&]() -> Result<bool> {
    // One conditional UPDATE: with several replicas on one database, the row lock decides.
    auto st_lease = statements_.Get(
        "UPDATE subscriptions SET lease_owner = ?1, lease_until = ?2, updated_at = ?3 WHERE "
        "account = ?4 AND name = ?5 AND (lease_owner = '' OR lease_until <= ?6 OR lease_owner = "
        "?1)");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(owner));
    st.bind(2, ToUnixMillis(until));
    st.bind(3, ToUnixMillis(clock_.Now()));
    st.bind(4, std::string(account));
    st.bind(5, std::string(name));
    st.bind(6, ToUnixMillis(now));
    if (st.exec() > 0) return true;
    auto exists_lease =
        statements_.Get("SELECT 1 FROM subscriptions WHERE account = ? AND name = ?");
    SQLite::Statement& exists = *exists_lease;
    exists.bind(1, std::string(account));
    exists.bind(2, std::string(name));
    if (!exists.executeStep()) {
      return Status::NotFound("store: no subscription " + Route(account, name));
    }
    return false;
  });
}

Status SqliteStore::ReleaseLease(std::string_view account, std::string_view name,
                                 std::string_view owner) {
  std::lock_guard lock(mu_);
  return CatchSqlite("release lease on " + Route(account, name), [&]() -> Status {
    auto st_lease = statements_.Get(
        "UPDATE subscriptions SET lease_owner = '', lease_until = 0, updated_at = ? WHERE account "
        "= ? AND name = ? AND lease_owner = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, ToUnixMillis(clock_.Now()));
    st.bind(2, std::string(account));
    st.bind(3, std::string(name));
    st.bind(4, std::string(owner));
    st.exec();
    return Status::OK();
  });
}

Status SqliteStore::AppendHistory(const HistoryEntry& entry) {
  SK_RETURN_IF_ERROR(CheckKey(entry.account, entry.name));
  SK_RETURN_IF_ERROR(CheckOutbox(entry));
  std::lock_guard lock(mu_);
  return CatchSqlite("append history for " + Route(entry.account, entry.name), [&]() -> Status {
    SQLite::Transaction tx(*db_, kImmediate);
    InsertHistory(entry, entry.account, entry.name, ToUnixMillis(clock_.Now()));
    tx.commit();
    return Status::OK();
  });
}

Result<std::vector<HistoryEntry>> SqliteStore::ListHistory(const HistoryQuery& query) {
  std::lock_guard lock(mu_);
  return CatchSqlite("list history", [&]() -> Result<std::vector<HistoryEntry>> {
    std::vector<std::string_view> values;
    const std::string sql =
        WithFilters(kHistorySelectSql, {{"account", query.account}, {"name", query.name}}, values);
    auto st_lease = statements_.Get(sql + " ORDER BY id DESC LIMIT ?");
    SQLite::Statement& st = *st_lease;
    int i = 1;
    for (std::string_view v : values) st.bind(i++, std::string(v));
    st.bind(i, SqlLimit(query.limit));
    std::vector<HistoryEntry> out;
    while (st.executeStep()) out.push_back(ReadHistory(st));
    return out;
  });
}

Result<std::vector<InsertOutcome>> SqliteStore::InsertEvents(
    const std::vector<EventRecord>& batch) {
  for (const EventRecord& e : batch) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an event needs a uuid");
  }
  if (batch.empty()) return std::vector<InsertOutcome>();
  std::lock_guard lock(mu_);
  return CatchSqlite("insert events", [&]() -> Result<std::vector<InsertOutcome>> {
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get(kEventInsertSql);
    SQLite::Statement& st = *st_lease;
    std::vector<InsertOutcome> out;
    out.reserve(batch.size());
    for (const EventRecord& e : batch) {
      st.reset();
      BindEvent(st, e);
      // DO NOTHING leaves changes() at 0 for a uuid already stored, even earlier in this batch.
      out.push_back(st.exec() > 0 ? InsertOutcome::kInserted : InsertOutcome::kDuplicate);
    }
    tx.commit();
    return out;
  });
}

Result<std::vector<EventRecord>> SqliteStore::ListEvents(std::string_view account,
                                                         std::string_view name,
                                                         std::string_view relay_state, int limit) {
  std::lock_guard lock(mu_);
  return CatchSqlite("list events", [&]() -> Result<std::vector<EventRecord>> {
    const bool by_state = !relay_state.empty() && relay_state != "pending";
    auto st_lease = statements_.Get(ListEventsSql(!account.empty(), !name.empty(), relay_state));
    SQLite::Statement& st = *st_lease;
    int i = 1;
    if (!account.empty()) st.bind(i++, std::string(account));
    if (!name.empty()) st.bind(i++, std::string(name));
    if (by_state) st.bind(i++, std::string(relay_state));
    st.bind(i, SqlLimit(limit));
    std::vector<EventRecord> out;
    while (st.executeStep()) out.push_back(ReadEvent(st));
    return out;
  });
}

Result<std::vector<EventRecord>> SqliteStore::ListRelayHeads() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list relay heads", [&]() -> Result<std::vector<EventRecord>> {
    auto st_lease = statements_.Get(RelayHeadsSql());
    SQLite::Statement& st = *st_lease;
    std::vector<EventRecord> out;
    while (st.executeStep()) out.push_back(ReadEvent(st));
    return out;
  });
}

Status SqliteStore::UpdateRelay(int64_t seq, const RelayUpdate& update) {
  if (update.relay_state != "pending" && update.relay_state != "delivered" &&
      update.relay_state != "dead") {
    return Status::InvalidArgument(
        "store: a delivery outcome is pending, delivered or dead, got '" + update.relay_state +
        "'");
  }
  std::lock_guard lock(mu_);
  return CatchSqlite("update relay state of event " + std::to_string(seq), [&]() -> Status {
    auto st_lease = statements_.Get(
        "UPDATE events SET relay_state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
        "delivered_at = ? WHERE seq = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, update.relay_state);
    st.bind(2, update.attempts);
    st.bind(3, ToUnixMillis(update.next_attempt_at));
    st.bind(4, update.last_error);
    st.bind(5, ToUnixMillis(update.delivered_at));
    st.bind(6, seq);
    if (st.exec() == 0) return Status::NotFound("store: no event " + std::to_string(seq));
    return Status::OK();
  });
}

Result<int64_t> SqliteStore::RequeueEvents(const ReplayQuery& query) {
  std::lock_guard lock(mu_);
  return CatchSqlite("requeue events", [&]() -> Result<int64_t> {
    auto st_lease = statements_.Get(RequeueEventsSql(query));
    SQLite::Statement& st = *st_lease;
    if (!query.account.empty()) st.bind(":account", query.account);
    if (!query.name.empty()) st.bind(":name", query.name);
    if (query.since != WallTime{}) st.bind(":since", ToUnixMillis(query.since));
    return static_cast<int64_t>(st.exec());
  });
}

Result<int64_t> SqliteStore::PruneEvents(WallTime done_before, WallTime dead_before, int limit) {
  std::lock_guard lock(mu_);
  return CatchSqlite("prune events", [&]() -> Result<int64_t> {
    // Bounded so that one prune never holds the write lock long enough to delay ingest.
    auto st_lease = statements_.Get(kPruneEventsSql);
    SQLite::Statement& st = *st_lease;
    st.bind(1, ToUnixMillis(done_before));
    st.bind(2, ToUnixMillis(dead_before));
    st.bind(3, SqlLimit(limit));
    return static_cast<int64_t>(st.exec());
  });
}

Result<std::vector<RelayBacklog>> SqliteStore::CountRelay() {
  std::lock_guard lock(mu_);
  return CatchSqlite("count relay backlog", [&]() -> Result<std::vector<RelayBacklog>> {
    auto st_lease = statements_.Get(kCountRelaySql);
    SQLite::Statement& st = *st_lease;
    std::vector<RelayBacklog> out;
    while (st.executeStep()) {
      RelayBacklog b;
      int i = 0;
      b.account = st.getColumn(i++).getString();
      b.name = st.getColumn(i++).getString();
      b.pending = st.getColumn(i++).getInt64();
      b.dead = st.getColumn(i++).getInt64();
      b.delivered = st.getColumn(i++).getInt64();
      b.oldest_pending_at = FromUnixMillis(st.getColumn(i++).getInt64());
      b.last_error = st.getColumn(i++).getString();
      out.push_back(std::move(b));
    }
    return out;
  });
}

Result<std::vector<ScheduleEntry>> SqliteStore::ListSchedule(
    const std::optional<ScheduleEntry>& after, int limit) {
  if (limit <= 0) return Status::InvalidArgument("store: a schedule page needs a limit > 0");
  std::lock_guard lock(mu_);
  return CatchSqlite("list schedule", [&]() -> Result<std::vector<ScheduleEntry>> {
    auto st_lease = statements_.Get(kScheduleSql);
    SQLite::Statement& st = *st_lease;
    BindSchedule(st, after, limit);
    std::vector<ScheduleEntry> out;
    while (st.executeStep()) out.push_back(ReadScheduleEntry(st));
    return out;
  });
}

Result<std::optional<AccountRecord>> SqliteStore::GetAccount(std::string_view account) {
  std::lock_guard lock(mu_);
  using Out = std::optional<AccountRecord>;
  return CatchSqlite("get account " + std::string(account), [&]() -> Result<Out> {
    auto st_lease = statements_.Get(std::string(kAccountSelectSql) + " WHERE account = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(account));
    if (!st.executeStep()) return Out();
    return Out(ReadAccount(st));
  });
}

Result<std::vector<AccountRecord>> SqliteStore::ListAccounts() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list accounts", [&]() -> Result<std::vector<AccountRecord>> {
    auto st_lease = statements_.Get(std::string(kAccountSelectSql) + " ORDER BY account");
    SQLite::Statement& st = *st_lease;
    std::vector<AccountRecord> out;
    while (st.executeStep()) out.push_back(ReadAccount(st));
    return out;
  });
}

Status SqliteStore::PutAccount(const AccountRecord& record) {
  if (record.account.empty()) return Status::InvalidArgument("store: an account needs a name");
  std::lock_guard lock(mu_);
  // The message names the account only: the statement holds the tokens.
  return CatchSqlite("put account " + record.account, [&]() -> Status {
    auto st_lease = statements_.Get(kAccountUpsertSql);
    SQLite::Statement& st = *st_lease;
    BindAccount(st, record, ToUnixMillis(clock_.Now()));
    st.exec();
    return Status::OK();
  });
}

Status SqliteStore::PutRateBlock(const RateBlock& block) {
  if (block.account.empty() || block.group.empty()) {
    return Status::InvalidArgument("store: a rate block needs an account and a group, got '" +
                                   block.account + "/" + block.group + "'");
  }
  std::lock_guard lock(mu_);
  return CatchSqlite("put rate block " + block.account + "/" + block.group, [&]() -> Status {
    SQLite::Transaction tx(*db_, kImmediate);
    // Blocks are written rarely (on a 429), so dropping the finished ones here keeps the table
    // at the blocks in force without a separate sweep.
    auto expire_lease = statements_.Get(kRateBlockExpireSql);
    SQLite::Statement& expire = *expire_lease;
    expire.bind(1, ToUnixMillis(clock_.Now()));
    expire.exec();
    auto st_lease = statements_.Get(kRateBlockUpsertSql);
    SQLite::Statement& st = *st_lease;
    st.bind(1, block.account);
    st.bind(2, block.group);
    st.bind(3, ToUnixMillis(block.until));
    st.exec();
    tx.commit();
    return Status::OK();
  });
}

Result<std::vector<LastEvent>> SqliteStore::ListLastEvents() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list last events", [&]() -> Result<std::vector<LastEvent>> {
    // Read once per process (the metrics keep the time from then on): a scan is acceptable.
    auto st_lease = statements_.Get(
        "SELECT account, name, MAX(received_at) FROM events WHERE kind = 'event' "
        "GROUP BY account, name ORDER BY account, name");
    SQLite::Statement& st = *st_lease;
    std::vector<LastEvent> out;
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                     FromUnixMillis(st.getColumn(2).getInt64())});
    }
    return out;
  });
}

Result<std::vector<ConditionTransition>> SqliteStore::ListConditionTransitions(
    const SubscriptionKey* only) {
  std::lock_guard lock(mu_);
  return CatchSqlite(
      "list condition transitions", [&]() -> Result<std::vector<ConditionTransition>> {
        constexpr const char* kSelect =
            "SELECT account, name, type, status, reason, since FROM condition_transitions";
        auto st_lease = statements_.Get(
            only != nullptr ? std::string(kSelect) + " WHERE account = ? AND name = ? ORDER BY type"
                            : std::string(kSelect) + " ORDER BY account, name, type");
        SQLite::Statement& st = *st_lease;
        if (only != nullptr) {
          st.bind(1, only->account);
          st.bind(2, only->name);
        }
        std::vector<ConditionTransition> out;
        while (st.executeStep()) {
          out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                         st.getColumn(2).getString(), st.getColumn(3).getInt() != 0,
                         st.getColumn(4).getString(), FromUnixMillis(st.getColumn(5).getInt64())});
        }
        return out;
      });
}

Status SqliteStore::PutConditionTransitions(const std::vector<ConditionTransition>& transitions) {
  if (transitions.empty()) return Status::OK();
  std::lock_guard lock(mu_);
  return CatchSqlite("put condition transitions", [&]() -> Status {
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get(
        "INSERT OR REPLACE INTO condition_transitions (account, name, type, status, reason, since) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::Statement& st = *st_lease;
    for (const auto& t : transitions) {
      st.reset();
      st.bind(1, t.account);
      st.bind(2, t.name);
      st.bind(3, t.type);
      st.bind(4, t.status ? 1 : 0);
      st.bind(5, t.reason);
      st.bind(6, ToUnixMillis(t.since));
      st.exec();
    }
    tx.commit();
    return Status::OK();
  });
}

Result<std::vector<RateBlock>> SqliteStore::ListRateBlocks(WallTime now) {
  std::lock_guard lock(mu_);
  return CatchSqlite("list rate blocks", [&]() -> Result<std::vector<RateBlock>> {
    auto st_lease = statements_.Get(kRateBlockSelectSql);
    SQLite::Statement& st = *st_lease;
    st.bind(1, ToUnixMillis(now));
    std::vector<RateBlock> out;
    while (st.executeStep()) out.push_back(ReadRateBlock(st));
    return out;
  });
}

Status SqliteStore::CheckWritable() {
  std::lock_guard lock(mu_);
  return CatchSqlite("check writable", [&]() -> Status {
    // A real write: BEGIN IMMEDIATE takes the write lock and COMMIT syncs, so a full disk, a
    // read-only remount or a lock held elsewhere shows up here rather than on the next webhook.
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get(
        "INSERT INTO meta (key, value) VALUES ('writable_check_at', ?) ON CONFLICT(key) DO UPDATE "
        "SET value = excluded.value");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::to_string(ToUnixMillis(clock_.Now())));
    st.exec();
    // The notifications' own path too: the statement InsertEvents runs, through the events
    // table and its indexes, undone before the commit. Cheap, but it only reaches the pages a
    // new row touches; a failed ingest commit is reported by the ingestor.
    db_->exec("SAVEPOINT readiness_probe");
    {
      auto insert_lease = statements_.Get(kEventInsertSql);
      SQLite::Statement& insert = *insert_lease;
      EventRecord probe;
      probe.uuid = "subkeeper-readiness-probe";
      probe.account = "-";
      probe.name = "-";
      BindEvent(insert, probe);
      insert.exec();
    }  // the lease resets the statement before the rollback
    db_->exec("ROLLBACK TO readiness_probe");
    db_->exec("RELEASE readiness_probe");
    tx.commit();
    return Status::OK();
  });
}

void SqliteStore::InsertHistory(HistoryEntry entry, std::string_view account, std::string_view name,
                                int64_t now_ms) {
  if (entry.at == WallTime{}) entry.at = FromUnixMillis(now_ms);
  if (entry.account.empty()) entry.account = account;
  if (entry.name.empty()) entry.name = name;
  auto st_lease = statements_.Get(kHistoryInsertSql);
  SQLite::Statement& st = *st_lease;
  BindHistory(st, entry);
  st.exec();
  // Counted as written: a transaction that then fails to commit (a full disk) over-counts.
  metrics::Current().History(entry.kind, subscription::RenewedByText(entry.trigger), entry.detail);
  for (EventRecord& e : entry.outbox) {
    if (e.account.empty()) e.account = entry.account;
    if (e.name.empty()) e.name = entry.name;
    if (e.received_at == WallTime{}) e.received_at = entry.at;
    auto insert_lease = statements_.Get(kEventInsertSql);
    SQLite::Statement& insert = *insert_lease;
    BindEvent(insert, e);
    // ON CONFLICT DO NOTHING: a lifecycle event already queued (a retried write) is not an error.
    insert.exec();
  }
}

namespace {

Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& path, const Clock& clock) {
  SK_ASSIGN_OR_RETURN(std::unique_ptr<SQLite::Database> db, OpenReadOnlyConnection(path));
  SK_ASSIGN_OR_RETURN(const int version, SchemaVersion(*db));
  const int latest = LatestSchemaVersion();
  if (version != latest) {
    return Status::FailedPrecondition(
        "store: " + path + ": database schema version " + std::to_string(version) +
        (version < latest
             ? " is older than this subkeeper's (" + std::to_string(latest) +
                   "); the keeper migrates it when it next starts"
             : " is newer than this subkeeper (supports up to " + std::to_string(latest) + ")"));
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), clock));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock,
                                               OpenMode mode) {
  if (mode == OpenMode::kReadOnly) return OpenReadOnly(path, clock);
  SK_RETURN_IF_ERROR(PreparePrivateFile(path));
  SK_ASSIGN_OR_RETURN(std::unique_ptr<SQLite::Database> db, OpenConnection(path));
  Status migrated = Migrate(*db, EmbeddedMigrations());
  if (migrated.code() == StatusCode::kFailedPrecondition) {
    return Status(migrated.code(), "store: " + path + ": " + migrated.message());
  }
  SK_RETURN_IF_ERROR(migrated);
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), clock));
}

int LatestSchemaVersion() {
  const auto& migrations = EmbeddedMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

Result<std::vector<Secret>> SqliteStore::ListWebhookSecrets() {
  std::lock_guard lock(mu_);
  return CatchSqlite("list webhook secrets",
                     [&]() -> Result<std::vector<Secret>> { return ReadWebhookSecrets(*db_); });
}

Status SqliteStore::PutWebhookSecrets(const std::vector<Secret>& secrets) {
  std::lock_guard lock(mu_);
  return CatchSqlite("put webhook secrets", [&]() -> Status {
    SQLite::Transaction tx(*db_, kImmediate);
    WriteWebhookSecrets(*db_, secrets);
    tx.commit();
    return Status::OK();
  });
}

}  // namespace subkeeper::store
