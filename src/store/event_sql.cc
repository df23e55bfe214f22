// SqliteStore's EventLog, and the SQL of the event queries whose plans matter.
#include "event_sql.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "record_codec.h"
#include "sqlite_error.h"
#include "sqlite_store_impl.h"

namespace subkeeper::store {
namespace {

// Spelled out wherever a query must use the partial index events_pending: SQLite uses a partial
// index only when the query's WHERE contains its condition literally, not as a bound parameter.
constexpr const char* kPendingTerm = "relay_state = 'pending'";

}  // namespace

// The lowest pending seq of each (account, name), by a skip scan over events_pending: each step
// seeks the first pending row after the previous subscription (same account and a later name,
// else a later account). That costs one index seek per subscription with a backlog, where
// GROUP BY would walk every pending row; the relay asks for heads on every wake-up, and most
// often when the app is down and the backlog is largest. INDEXED BY because, without ANALYZE
// statistics, the planner may prefer the covering events_state_received and walk every row.
const std::string& RelayHeadsSql() {
  static const std::string sql =
      "WITH RECURSIVE heads(seq, account, name) AS ("
      " SELECT seq, account, name FROM (SELECT seq, account, name FROM events"
      "  INDEXED BY events_pending WHERE relay_state = 'pending'"
      "  ORDER BY account, name, seq LIMIT 1)"
      " UNION ALL"
      " SELECT n.seq, n.account, n.name FROM heads prev JOIN events n ON n.seq = COALESCE("
      "  (SELECT e.seq FROM events e INDEXED BY events_pending WHERE e.relay_state = 'pending'"
      "    AND e.account = prev.account AND e.name > prev.name ORDER BY e.account, e.name, e.seq "
      "LIMIT "
      "1),"
      "  (SELECT e.seq FROM events e INDEXED BY events_pending WHERE e.relay_state = 'pending'"
      "    AND e.account > prev.account ORDER BY e.account, e.name, e.seq LIMIT 1))) " +
      std::string(kEventSelectSql) + " WHERE seq IN (SELECT seq FROM heads) ORDER BY seq";
  return sql;
}

std::string ListEventsSql(bool by_account, bool by_name, std::optional<RelayState> relay_state) {
  std::string sql = kEventSelectSql;
  const char* glue = " WHERE ";
  auto add = [&](const std::string& term) {
    sql += glue + term;
    glue = " AND ";
  };
  if (by_account) add("account = ?");
  if (by_name) add("name = ?");
  if (relay_state == RelayState::kPending) {
    add(kPendingTerm);
  } else if (relay_state) {
    add("relay_state = ?");
  }
  return sql + " ORDER BY seq LIMIT ?";
}

std::string RequeueEventsSql(const ReplayQuery& query) {
  // The states are literals so that the (relay_state, received_at) index serves the WHERE.
  std::string sql =
      "UPDATE events SET relay_state = 'pending', attempts = 0, next_attempt_at = 0, "
      "last_error = '' WHERE relay_state IN ";
  sql += query.dead_only ? "('dead')" : "('dead', 'delivered')";
  if (!query.account.empty()) sql += " AND account = :account";
  if (!query.name.empty()) sql += " AND name = :name";
  if (query.since != WallTime{}) sql += " AND received_at >= :since";
  return sql;
}

const char* const kPruneEventsSql =
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE "
    "(relay_state IN ('delivered', 'none') AND received_at < ?1) OR "
    "(relay_state = 'dead' AND received_at < ?2) LIMIT ?3)";

// One pass over events_state_received (covering: the bodies are never read), then the oldest
// pending row of each subscription, found by its seq.
const char* const kCountRelaySql =
    "SELECT c.account, c.name, c.pending, c.dead, c.delivered, COALESCE(h.received_at, 0), "
    "COALESCE(h.last_error, '') FROM (SELECT account, name, "
    "SUM(relay_state = 'pending') AS pending, SUM(relay_state = 'dead') AS dead, "
    "SUM(relay_state = 'delivered') AS delivered, "
    "MIN(CASE WHEN relay_state = 'pending' THEN seq END) AS head "
    "FROM events INDEXED BY events_state_received GROUP BY account, name) c "
    "LEFT JOIN events h ON h.seq = c.head ORDER BY c.account, c.name";

Result<std::vector<InsertOutcome>> SqliteStore::InsertEvents(
    const std::vector<EventRecord>& batch) {
  for (const EventRecord& e : batch) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an event needs a uuid");
  }
  if (batch.empty()) return std::vector<InsertOutcome>();
  MutexLock lock(mu_);
  return CatchSqlite("insert events", [&]() -> Result<std::vector<InsertOutcome>> {
    mu_.AssertHeld();
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
                                                         std::optional<RelayState> relay_state,
                                                         int limit) {
  MutexLock lock(mu_);
  return CatchSqlite("list events", [&]() -> Result<std::vector<EventRecord>> {
    mu_.AssertHeld();
    const bool by_state = relay_state && relay_state != RelayState::kPending;
    auto st_lease = statements_.Get(ListEventsSql(!account.empty(), !name.empty(), relay_state));
    SQLite::Statement& st = *st_lease;
    int i = 1;
    if (!account.empty()) st.bind(i++, std::string(account));
    if (!name.empty()) st.bind(i++, std::string(name));
    if (by_state) st.bind(i++, std::string(RelayStateText(*relay_state)));
    st.bind(i, SqlLimit(limit));
    std::vector<EventRecord> out;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(EventRecord e, ReadEvent(st));
      out.push_back(std::move(e));
    }
    return out;
  });
}

Result<std::vector<EventRecord>> SqliteStore::ListRelayHeads() {
  MutexLock lock(mu_);
  return CatchSqlite("list relay heads", [&]() -> Result<std::vector<EventRecord>> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(RelayHeadsSql());
    SQLite::Statement& st = *st_lease;
    std::vector<EventRecord> out;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(EventRecord e, ReadEvent(st));
      out.push_back(std::move(e));
    }
    return out;
  });
}

Status SqliteStore::UpdateRelay(int64_t seq, const RelayUpdate& update) {
  if (update.relay_state == RelayState::kNone) {
    return Status::InvalidArgument(
        "store: a delivery outcome is pending, delivered or dead, got '" +
        std::string(RelayStateText(update.relay_state)) + "'");
  }
  MutexLock lock(mu_);
  return CatchSqlite("update relay state of event " + std::to_string(seq), [&]() -> Status {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(
        "UPDATE events SET relay_state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
        "delivered_at = ? WHERE seq = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, std::string(RelayStateText(update.relay_state)));
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
  MutexLock lock(mu_);
  return CatchSqlite("requeue events", [&]() -> Result<int64_t> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(RequeueEventsSql(query));
    SQLite::Statement& st = *st_lease;
    if (!query.account.empty()) st.bind(":account", query.account);
    if (!query.name.empty()) st.bind(":name", query.name);
    if (query.since != WallTime{}) st.bind(":since", ToUnixMillis(query.since));
    return static_cast<int64_t>(st.exec());
  });
}

Result<int64_t> SqliteStore::PruneEvents(WallTime done_before, WallTime dead_before, int limit) {
  MutexLock lock(mu_);
  return CatchSqlite("prune events", [&]() -> Result<int64_t> {
    mu_.AssertHeld();
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
  MutexLock lock(mu_);
  return CatchSqlite("count relay backlog", [&]() -> Result<std::vector<RelayBacklog>> {
    mu_.AssertHeld();
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

Result<std::vector<LastEvent>> SqliteStore::ListLastEvents() {
  MutexLock lock(mu_);
  return CatchSqlite("list last events", [&]() -> Result<std::vector<LastEvent>> {
    mu_.AssertHeld();
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

}  // namespace subkeeper::store
