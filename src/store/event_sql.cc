#include "event_sql.h"

#include "record_codec.h"

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

std::string ListEventsSql(bool by_account, bool by_name, std::string_view relay_state) {
  std::string sql = kEventSelectSql;
  const char* glue = " WHERE ";
  auto add = [&](const std::string& term) {
    sql += glue + term;
    glue = " AND ";
  };
  if (by_account) add("account = ?");
  if (by_name) add("name = ?");
  if (relay_state == "pending") {
    add(kPendingTerm);
  } else if (!relay_state.empty()) {
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

}  // namespace subkeeper::store
