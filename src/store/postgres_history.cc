// PostgresStore's HistoryLog: history rows, each written with the outbox events it queues.
#include "postgres_codec.h"
#include "postgres_store_impl.h"
#include "sqlite_store_impl.h"  // CheckKey, Route
#include "subkeeper/common/metrics_hook.h"

namespace subkeeper::store {

using pg::Exec;
using pg::Params;
using pg::Rows;

Status PostgresStore::AppendHistory(const HistoryEntry& entry) {
  SK_RETURN_IF_ERROR(CheckKey(entry.account, entry.name));
  for (const EventRecord& e : entry.outbox) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an outbox event needs a uuid");
  }
  const std::string op = "append history for " + Route(entry.account, entry.name);
  return Transact(op, [&](PGconn* conn) -> Status {
    return InsertHistory(conn, op, entry, entry.account, entry.name, clock_.Now());
  });
}

Result<std::vector<HistoryEntry>> PostgresStore::ListHistory(const HistoryQuery& query) {
  return Single([&](PGconn* conn) -> Result<std::vector<HistoryEntry>> {
    // Only the filters given, so the (account, name, id) index stays usable.
    std::string sql = pg::kHistorySelectSql;
    Params params;
    const char* glue = " WHERE ";
    if (!query.account.empty()) {
      params.Text(query.account);
      sql += glue + std::string("account = $") + std::to_string(params.size());
      glue = " AND ";
    }
    if (!query.name.empty()) {
      params.Text(query.name);
      sql += glue + std::string("name = $") + std::to_string(params.size());
    }
    // LIMIT NULL is no limit (https://www.postgresql.org/docs/15/queries-limit.html).
    if (query.limit > 0) {
      params.Int(query.limit);
    } else {
      params.Null();
    }
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size()) + "::bigint";
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list history", sql, params));
    std::vector<HistoryEntry> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
      SK_ASSIGN_OR_RETURN(HistoryEntry h, pg::ReadHistory(rows, i));
      out.push_back(std::move(h));
    }
    return out;
  });
}

Status PostgresStore::InsertHistory(PGconn* conn, std::string_view operation, HistoryEntry entry,
                                    std::string_view account, std::string_view name, WallTime now) {
  if (entry.at == WallTime{}) entry.at = now;
  if (entry.account.empty()) entry.account = account;
  if (entry.name.empty()) entry.name = name;
  SK_RETURN_IF_ERROR(
      Exec(conn, operation, pg::kHistoryInsertSql, pg::HistoryParams(entry)).status());
  // Counted as written, like the SQLite store: a transaction that then fails to commit
  // over-counts.
  metrics::Current().History(HistoryKindText(entry.kind),
                             subscription::RenewedByText(entry.trigger), entry.detail);
  if (entry.outbox.empty()) return Status::OK();
  for (EventRecord& e : entry.outbox) {
    if (e.account.empty()) e.account = entry.account;
    if (e.name.empty()) e.name = entry.name;
    if (e.received_at == WallTime{}) e.received_at = entry.at;
  }
  // A lifecycle event already queued (a retried write) is skipped, not an error.
  return InsertEventRows(conn, operation, entry.outbox).status();
}

}  // namespace subkeeper::store
