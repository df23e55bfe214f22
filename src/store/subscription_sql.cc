// SqliteStore's SubscriptionStore: records, the renewal schedule and leases.
#include "subscription_sql.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "record_codec.h"
#include "sqlite_error.h"
#include "sqlite_store_impl.h"

namespace subkeeper::store {

// "next_renewal_at <> 0" repeats the condition of the partial index subscriptions_schedule
// (required for SQLite to use it) without adding a range on its first column, so the seek is on
// the row value. EXPLAIN QUERY PLAN (SQLite 3.40):
//   SEARCH subscriptions USING COVERING INDEX subscriptions_schedule
//     ((next_renewal_at,account,name)>(?,?,?))
// i.e. one seek, then `limit` index entries; checked by subscription_sql_test.cc.
const char* const kScheduleSql =
    "SELECT account, name, next_renewal_at FROM subscriptions "
    "WHERE next_renewal_at <> 0 AND (next_renewal_at, account, name) > (?1, ?2, ?3) "
    "ORDER BY next_renewal_at, account, name LIMIT ?4";

void BindSchedule(SQLite::Statement& st, const std::optional<ScheduleEntry>& after, int limit) {
  // From the start: (0, '', '') sorts before every set time.
  st.bind(1, after ? ToUnixMillis(after->next_renewal_at) : int64_t{0});
  st.bind(2, after ? after->account : std::string());
  st.bind(3, after ? after->name : std::string());
  st.bind(4, limit);
}

ScheduleEntry ReadScheduleEntry(const SQLite::Statement& st) {
  ScheduleEntry e;
  e.account = st.getColumn(0).getString();
  e.name = st.getColumn(1).getString();
  e.next_renewal_at = FromUnixMillis(st.getColumn(2).getInt64());
  return e;
}

Result<std::vector<SubscriptionRecord>> SqliteStore::ListSubscriptions() {
  MutexLock lock(mu_);
  return CatchSqlite("list subscriptions", [&]() -> Result<std::vector<SubscriptionRecord>> {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("list subscription states", [&]() -> Result<std::vector<SubscriptionRecord>> {
    mu_.AssertHeld();
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
      MutexLock lock(mu_);
      Status read = CatchSqlite("list subscription states", [&]() -> Status {
        mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("list subscriptions", [&]() -> Result<std::vector<SubscriptionHead>> {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("list subscriptions of " + std::string(account),
                     [&]() -> Result<std::vector<SubscriptionRecord>> {
                       mu_.AssertHeld();
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
  MutexLock lock(mu_);
  using Out = std::optional<SubscriptionRecord>;
  return CatchSqlite("get subscription " + Route(account, name), [&]() -> Result<Out> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(SubscriptionSelectSql() + " WHERE account = ? AND name = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(account));
    st.bind(2, std::string(name));
    if (!st.executeStep()) return Out();
    SK_ASSIGN_OR_RETURN(SubscriptionRecord r, ReadSubscription(st));
    return Out(std::move(r));
  });
}

Result<std::vector<ScheduleEntry>> SqliteStore::ListSchedule(
    const std::optional<ScheduleEntry>& after, int limit) {
  if (limit <= 0) return Status::InvalidArgument("store: a schedule page needs a limit > 0");
  MutexLock lock(mu_);
  return CatchSqlite("list schedule", [&]() -> Result<std::vector<ScheduleEntry>> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(kScheduleSql);
    SQLite::Statement& st = *st_lease;
    BindSchedule(st, after, limit);
    std::vector<ScheduleEntry> out;
    while (st.executeStep()) out.push_back(ReadScheduleEntry(st));
    return out;
  });
}

Status SqliteStore::PutSubscription(const SubscriptionRecord& record,
                                    const std::optional<HistoryEntry>& history) {
  SK_RETURN_IF_ERROR(CheckKey(record.account, record.name));
  if (history) SK_RETURN_IF_ERROR(CheckOutbox(*history));
  MutexLock lock(mu_);
  return CatchSqlite("put subscription " + Route(record.account, record.name), [&]() -> Status {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("delete subscription " + Route(account, name), [&]() -> Status {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("acquire lease on " + Route(account, name), [&]() -> Result<bool> {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("release lease on " + Route(account, name), [&]() -> Status {
    mu_.AssertHeld();
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

}  // namespace subkeeper::store
