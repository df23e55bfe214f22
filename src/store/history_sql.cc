// SqliteStore's HistoryLog: history rows, each written with the outbox events it queues.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <initializer_list>
#include <utility>

#include "record_codec.h"
#include "sqlite_error.h"
#include "sqlite_store_impl.h"
#include "subkeeper/common/metrics_hook.h"

namespace subkeeper::store {
namespace {

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

Status SqliteStore::CheckOutbox(const HistoryEntry& entry) {
  for (const EventRecord& e : entry.outbox) {
    if (e.uuid.empty()) return Status::InvalidArgument("store: an outbox event needs a uuid");
  }
  return Status::OK();
}

Status SqliteStore::AppendHistory(const HistoryEntry& entry) {
  SK_RETURN_IF_ERROR(CheckKey(entry.account, entry.name));
  SK_RETURN_IF_ERROR(CheckOutbox(entry));
  MutexLock lock(mu_);
  return CatchSqlite("append history for " + Route(entry.account, entry.name), [&]() -> Status {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    InsertHistory(entry, entry.account, entry.name, ToUnixMillis(clock_.Now()));
    tx.commit();
    return Status::OK();
  });
}

Result<std::vector<HistoryEntry>> SqliteStore::ListHistory(const HistoryQuery& query) {
  MutexLock lock(mu_);
  return CatchSqlite("list history", [&]() -> Result<std::vector<HistoryEntry>> {
    mu_.AssertHeld();
    std::vector<std::string_view> values;
    const std::string sql =
        WithFilters(kHistorySelectSql, {{"account", query.account}, {"name", query.name}}, values);
    auto st_lease = statements_.Get(sql + " ORDER BY id DESC LIMIT ?");
    SQLite::Statement& st = *st_lease;
    int i = 1;
    for (std::string_view v : values) st.bind(i++, std::string(v));
    st.bind(i, SqlLimit(query.limit));
    std::vector<HistoryEntry> out;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(HistoryEntry h, ReadHistory(st));
      out.push_back(std::move(h));
    }
    return out;
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
  metrics::Current().History(HistoryKindText(entry.kind),
                             subscription::RenewedByText(entry.trigger), entry.detail);
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

}  // namespace subkeeper::store
