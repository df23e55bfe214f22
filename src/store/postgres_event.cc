// PostgresStore's EventLog: events, the relay outbox, and the per-subscription ordering of seqs.
#include <set>
#include <utility>

#include "postgres_codec.h"
#include "postgres_store_impl.h"

namespace subkeeper::store {
namespace {

using pg::Exec;
using pg::Params;
using pg::Rows;

// Takes (and creates on first use) the row lock of one subscription's stream; held until the
// transaction ends (schema/postgres/0001_init.sql, event_streams).
const char* const kLockStreamSql =
    "INSERT INTO event_streams (account, name) VALUES ($1, $2) ON CONFLICT (account, name) DO "
    "UPDATE SET last_seq = event_streams.last_seq";

// Inserts one event unless its uuid is stored (then no row comes back) and records its seq as
// its stream's last.
const std::string& InsertEventSql() {
  static const std::string sql =
      std::string("WITH ins AS (INSERT INTO events (") + pg::kEventInsertColumns +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (uuid) DO "
      "NOTHING RETURNING seq, account, name) UPDATE event_streams s SET last_seq = ins.seq FROM "
      "ins WHERE s.account = ins.account AND s.name = ins.name RETURNING ins.seq";
  return sql;
}

Result<std::vector<EventRecord>> ReadEvents(const Rows& rows) {
  std::vector<EventRecord> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    SK_ASSIGN_OR_RETURN(EventRecord e, pg::ReadEvent(rows, i));
    out.push_back(std::move(e));
  }
  return out;
}

// Adds " <glue> column = $n" for a non-empty `value`.
void AddFilter(std::string& sql, Params& params, const char*& glue, const char* column,
               std::string_view value) {
  if (value.empty()) return;
  params.Text(value);
  sql += glue + std::string(column) + " = $" + std::to_string(params.size());
  glue = " AND ";
}

// " LIMIT $n" of `limit`, NULL (no limit) when <= 0.
std::string AddLimit(Params& params, int limit) {
  if (limit > 0) {
    params.Int(limit);
  } else {
    params.Null();
  }
  return " LIMIT $" + std::to_string(params.size()) + "::bigint";
}

}  // namespace

Result<std::vector<InsertOutcome>> InsertEventRows(PGconn* conn, std::string_view operation,
                                                   const std::vector<EventRecord>& batch) {
  // Every stream of the batch is locked before any seq is drawn, in one order (sorted), so two
  // batches touching the same subscriptions cannot deadlock.
  std::set<std::pair<std::string, std::string>> streams;
  for (const EventRecord& e : batch) streams.emplace(e.account, e.name);
  for (const auto& [account, name] : streams) {
    SK_RETURN_IF_ERROR(
        Exec(conn, operation, kLockStreamSql, Params().Text(account).Text(name)).status());
  }
  std::vector<InsertOutcome> out;
  out.reserve(batch.size());
  for (const EventRecord& e : batch) {
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, operation, InsertEventSql(), pg::EventParams(e)));
    out.push_back(rows.empty() ? InsertOutcome::kDuplicate : InsertOutcome::kInserted);
  }
  return out;
}

Result<std::vector<InsertOutcome>> PostgresStore::InsertEvents(
    const std::vector<EventRecord>& batch) {
  for (const EventRecord& e : batch) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an event needs a uuid");
  }
  if (batch.empty()) return std::vector<InsertOutcome>();
  return Transact("insert events", [&](PGconn* conn) -> Result<std::vector<InsertOutcome>> {
    return InsertEventRows(conn, "insert events", batch);
  });
}

Result<std::vector<EventRecord>> PostgresStore::ListEvents(std::string_view account,
                                                           std::string_view name,
                                                           std::optional<RelayState> relay_state,
                                                           int limit) {
  return Single([&](PGconn* conn) -> Result<std::vector<EventRecord>> {
    std::string sql = pg::kEventSelectSql;
    Params params;
    const char* glue = " WHERE ";
    AddFilter(sql, params, glue, "account", account);
    AddFilter(sql, params, glue, "name", name);
    if (relay_state)
      AddFilter(sql, params, glue, "relay_state", pg::RelayStateColumn(*relay_state));
    sql += " ORDER BY seq" + AddLimit(params, limit);
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list events", sql, params));
    return ReadEvents(rows);
  });
}

Result<std::vector<EventRecord>> PostgresStore::ListRelayHeads() {
  return Single([&](PGconn* conn) -> Result<std::vector<EventRecord>> {
    // DISTINCT ON keeps the first row of each (account, name) in the ORDER BY: its lowest
    // pending seq (https://www.postgresql.org/docs/15/sql-select.html#SQL-DISTINCT), read from
    // the partial index events_pending.
    SK_ASSIGN_OR_RETURN(
        Rows rows,
        Exec(conn, "list relay heads",
             std::string(pg::kEventSelectSql) +
                 " WHERE seq IN (SELECT DISTINCT ON (account, name) seq FROM events WHERE "
                 "relay_state = 'pending' ORDER BY account, name, seq) ORDER BY seq"));
    return ReadEvents(rows);
  });
}

Status PostgresStore::UpdateRelay(int64_t seq, const RelayUpdate& update) {
  if (update.relay_state == RelayState::kNone) {
    return Status::InvalidArgument(
        "store: a delivery outcome is pending, delivered or dead, got 'none'");
  }
  const std::string op = "update relay state of event " + std::to_string(seq);
  return Single([&](PGconn* conn) -> Status {
    SK_ASSIGN_OR_RETURN(
        Rows rows, Exec(conn, op,
                        "UPDATE events SET relay_state = $1, attempts = $2, next_attempt_at = $3, "
                        "last_error = $4, delivered_at = $5 WHERE seq = $6",
                        Params()
                            .Text(pg::RelayStateColumn(update.relay_state))
                            .Int(update.attempts)
                            .Time(update.next_attempt_at)
                            .Text(update.last_error)
                            .Time(update.delivered_at)
                            .Int(seq)));
    if (rows.Affected() == 0) return Status::NotFound("store: no event " + std::to_string(seq));
    return Status::OK();
  });
}

Result<int64_t> PostgresStore::RequeueEvents(const ReplayQuery& query) {
  return Single([&](PGconn* conn) -> Result<int64_t> {
    std::string sql =
        "UPDATE events SET relay_state = 'pending', attempts = 0, next_attempt_at = 0, "
        "last_error = '' WHERE relay_state IN ";
    sql += query.dead_only ? "('dead')" : "('dead', 'delivered')";
    Params params;
    const char* glue = " AND ";
    AddFilter(sql, params, glue, "account", query.account);
    AddFilter(sql, params, glue, "name", query.name);
    if (query.since != WallTime{}) {
      params.Time(query.since);
      sql += " AND received_at >= $" + std::to_string(params.size());
    }
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "requeue events", sql, params));
    return rows.Affected();
  });
}

Result<int64_t> PostgresStore::PruneEvents(WallTime done_before, WallTime dead_before, int limit) {
  return Single([&](PGconn* conn) -> Result<int64_t> {
    // Bounded, so one prune never holds many row locks for long.
    Params params;
    params.Time(done_before).Time(dead_before);
    const std::string sql =
        "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE "
        "(relay_state IN ('delivered', 'none') AND received_at < $1) OR "
        "(relay_state = 'dead' AND received_at < $2)" +
        AddLimit(params, limit) + ")";
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "prune events", sql, params));
    return rows.Affected();
  });
}

Result<std::vector<RelayBacklog>> PostgresStore::CountRelay() {
  return Single([&](PGconn* conn) -> Result<std::vector<RelayBacklog>> {
    SK_ASSIGN_OR_RETURN(
        Rows rows,
        Exec(conn, "count relay backlog",
             "SELECT c.account, c.name, c.pending, c.dead, c.delivered, "
             "COALESCE(h.received_at, 0), COALESCE(h.last_error, '') FROM (SELECT account, name, "
             "count(*) FILTER (WHERE relay_state = 'pending') AS pending, "
             "count(*) FILTER (WHERE relay_state = 'dead') AS dead, "
             "count(*) FILTER (WHERE relay_state = 'delivered') AS delivered, "
             "min(seq) FILTER (WHERE relay_state = 'pending') AS head "
             "FROM events GROUP BY account, name) c "
             "LEFT JOIN events h ON h.seq = c.head ORDER BY c.account, c.name"));
    std::vector<RelayBacklog> out;
    for (int i = 0; i < rows.size(); ++i) {
      RelayBacklog b;
      b.account = rows.Text(i, 0);
      b.name = rows.Text(i, 1);
      b.pending = rows.Int(i, 2);
      b.dead = rows.Int(i, 3);
      b.delivered = rows.Int(i, 4);
      b.oldest_pending_at = rows.Time(i, 5);
      b.last_error = rows.Text(i, 6);
      out.push_back(std::move(b));
    }
    return out;
  });
}

Result<std::vector<LastEvent>> PostgresStore::ListLastEvents() {
  return Single([&](PGconn* conn) -> Result<std::vector<LastEvent>> {
    SK_ASSIGN_OR_RETURN(Rows rows,
                        Exec(conn, "list last events",
                             "SELECT account, name, max(received_at) FROM events WHERE kind = "
                             "'event' GROUP BY account, name ORDER BY account, name"));
    std::vector<LastEvent> out;
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back({rows.Text(i, 0), rows.Text(i, 1), rows.Time(i, 2)});
    }
    return out;
  });
}

}  // namespace subkeeper::store
