// CopySqliteToPostgres: a SQLite store copied row for row into an empty PostgreSQL database, in
// one transaction on each side (store/copy.h). The tables and their column types are
// copy_tables.cc's.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "copy_tables.h"
#include "postgres_conn.h"
#include "sqlite_error.h"
#include "sqlite_open.h"
#include "subkeeper/store/copy.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using copy::ColumnType;
using copy::CopyColumn;
using copy::CopyTable;

constexpr std::string_view kOp = "copy into PostgreSQL";

// One INSERT carries at most this many values (the protocol allows 65535) and, once its bound
// values pass kBatchBytes, no more rows: a few round trips per thousand rows, and event bodies
// never pile up in memory.
constexpr size_t kBatchValues = 4000;
constexpr size_t kBatchBytes = size_t{4} << 20;

const char* PgType(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInteger:
      return "bigint";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kBytes:
      return "bytea";
  }
  return "text";
}

std::string SelectSql(const CopyTable& table) {
  std::string columns;
  for (const CopyColumn& c : table.columns) {
    columns += (columns.empty() ? "" : ", ") + std::string(c.read_as ? c.read_as : c.name);
  }
  return "SELECT " + columns + " FROM " + table.name + " ORDER BY " + table.order_by;
}

std::string InsertPrefix(const CopyTable& table) {
  std::string columns;
  for (const CopyColumn& c : table.columns) {
    columns += (columns.empty() ? "" : ", ") + std::string(c.name);
  }
  // GENERATED ALWAYS refuses a given value unless told to keep it
  // (https://www.postgresql.org/docs/15/sql-insert.html).
  return std::string("INSERT INTO ") + table.name + " (" + columns + ")" +
         (table.identity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES ";
}

// Binds one SQLite value for PostgreSQL, as `column`'s type says. The errors name the table and
// the column, never the value: tokens and webhook secrets are among them.
Status BindValue(const CopyTable& table, const CopyColumn& column, const SQLite::Column& value,
                 pg::Params& params, size_t& bytes) {
  auto where = [&] { return std::string(table.name) + "." + column.name; };
  if (value.isNull()) {
    params.Null();  // every column is NOT NULL: PostgreSQL refuses it, naming the column
    return Status::OK();
  }
  switch (column.type) {
    case ColumnType::kInteger:
    case ColumnType::kBoolean:
      // A typed read: getInt64 would turn a text that crept into an INTEGER column into 0.
      if (value.getType() != SQLITE_INTEGER) {
        return Status::DataLoss("store: column " + where() +
                                " holds a value that is not an integer");
      }
      if (column.type == ColumnType::kBoolean) {
        params.Bool(value.getInt64() != 0);
      } else {
        params.Int(value.getInt64());
      }
      bytes += 8;
      return Status::OK();
    case ColumnType::kText: {
      // libpq sends text values NUL-terminated: one would be cut short without an error.
      std::string text = value.getString();
      if (text.find('\0') != std::string::npos) {
        return Status::InvalidArgument("store: column " + where() +
                                       " holds a text with a NUL byte, which PostgreSQL text "
                                       "cannot hold");
      }
      bytes += text.size();
      params.Text(text);
      return Status::OK();
    }
    case ColumnType::kBytes: {
      std::string data = value.getString();  // SQLiteCpp reads BLOB bytes with their length
      bytes += data.size();
      params.Bytes(data);
      return Status::OK();
    }
  }
  return Status::Internal("store: column " + where() + " has no type to copy as");
}

// The rows of one batch, sent as one multi-row INSERT.
class Batch {
 public:
  Batch(PGconn* conn, const CopyTable& table)
      : conn_(conn), table_(table), prefix_(InsertPrefix(table)) {}

  Status Add(const SQLite::Statement& row) {
    std::string values;
    for (size_t i = 0; i < table_.columns.size(); ++i) {
      const CopyColumn& column = table_.columns[i];
      SK_RETURN_IF_ERROR(
          BindValue(table_, column, row.getColumn(static_cast<int>(i)), params_, bytes_));
      values += (i ? ", $" : "($") + std::to_string(params_.size()) + "::" + PgType(column.type);
    }
    sql_ += (rows_ ? ", " : "") + values + ")";
    ++rows_;
    if (static_cast<size_t>(params_.size()) + table_.columns.size() > kBatchValues ||
        bytes_ >= kBatchBytes) {
      return Flush();
    }
    return Status::OK();
  }

  Status Flush() {
    if (rows_ == 0) return Status::OK();
    const std::string op = std::string("copy table ") + table_.name;
    Result<pg::Rows> done = pg::Exec(conn_, op, prefix_ + sql_, params_);
    // The server's message for a bad encoding quotes the offending bytes, which may be a
    // token's: said without them.
    if (done.status().code() == StatusCode::kInvalidArgument) {
      return Status::InvalidArgument("store: " + op +
                                     ": a text value is not valid in the database's encoding");
    }
    SK_RETURN_IF_ERROR(done.status());
    if (done->Affected() != rows_) {
      return Status::Internal("store: " + op + ": " + std::to_string(done->Affected()) + " of " +
                              std::to_string(rows_) + " rows inserted");
    }
    copied_ += rows_;
    params_ = pg::Params();
    sql_.clear();
    rows_ = 0;
    bytes_ = 0;
    return Status::OK();
  }

  int64_t copied() const { return copied_; }

 private:
  PGconn* conn_;
  const CopyTable& table_;
  const std::string prefix_;
  pg::Params params_;
  std::string sql_;  // "(…), (…)" after prefix_
  int64_t rows_ = 0;
  size_t bytes_ = 0;
  int64_t copied_ = 0;
};

// Copies every row of `table`. Throws SQLite::Exception (read errors).
Result<int64_t> CopyRows(SQLite::Database& source, PGconn* conn, const CopyTable& table) {
  SQLite::Statement select(source, SelectSql(table));
  Batch batch(conn, table);
  while (select.executeStep()) SK_RETURN_IF_ERROR(batch.Add(select));
  SK_RETURN_IF_ERROR(batch.Flush());
  return batch.copied();
}

// The tables the copy writes, for the lock and the emptiness check.
std::string TargetTables() {
  std::string names;
  for (const CopyTable& table : copy::CopiedTables()) {
    names += (names.empty() ? "" : ", ") + std::string(table.name);
  }
  return names + ", " + copy::kEventStreamsTable + ", " + copy::kRateSpendsTable;
}

// kFailedPrecondition naming every target table that has a row.
Status CheckEmpty(PGconn* conn) {
  std::vector<std::string> tables;
  for (const CopyTable& table : copy::CopiedTables()) tables.push_back(table.name);
  tables.push_back(copy::kEventStreamsTable);
  tables.push_back(copy::kRateSpendsTable);
  std::string found;
  for (const std::string& table : tables) {
    SK_ASSIGN_OR_RETURN(pg::Rows rows, pg::Exec(conn, "check the target is empty",
                                                "SELECT count(*) FROM " + table));
    const int64_t count = rows.Int(0, 0);
    if (count == 0) continue;
    found += (found.empty() ? "" : ", ") + std::string("table ") + table + " has " +
             std::to_string(count) + (count == 1 ? " row" : " rows");
  }
  if (found.empty()) return Status::OK();
  return Status::FailedPrecondition("target PostgreSQL database is not empty: " + found +
                                    "; migrate copies into an empty database only");
}

// The highest value SQLite's AUTOINCREMENT gave out for `table` (0 when none yet): above the
// column's maximum when the newest rows were pruned. Throws SQLite::Exception.
int64_t SqliteSequence(SQLite::Database& source, const char* table) {
  SQLite::Statement st(source, "SELECT seq FROM sqlite_sequence WHERE name = ?");
  st.bind(1, table);
  return st.executeStep() ? st.getColumn(0).getInt64() : 0;
}

// Everything after BEGIN on `conn`, inside one read transaction on `source`. Throws
// SQLite::Exception.
Result<CopyReport> CopyAll(SQLite::Database& source, PGconn* conn) {
  // Keepers started meanwhile wait (reads go on) until the copy commits or rolls back, so the
  // emptiness checked here is the emptiness the rows are written into.
  SK_RETURN_IF_ERROR(
      pg::Exec(conn, kOp, "LOCK TABLE " + TargetTables() + " IN EXCLUSIVE MODE").status());
  SK_RETURN_IF_ERROR(CheckEmpty(conn));
  CopyReport report;
  SK_ASSIGN_OR_RETURN(pg::Rows db, pg::Exec(conn, kOp, "SELECT current_database()"));
  report.database = db.Text(0, 0);

  // One snapshot of the whole file: a keeper still writing to it cannot make the tables
  // disagree (a history row without its record, an event without its stream). Read-only, so
  // the destructor's rollback is all the ending it needs.
  SQLite::Transaction snapshot(source);
  for (const CopyTable& table : copy::CopiedTables()) {
    SK_ASSIGN_OR_RETURN(const int64_t rows, CopyRows(source, conn, table));
    report.tables.push_back({table.name, rows, /*derived=*/false});
  }
  // One stream per subscription with events, last_seq its highest: the next insert locks that
  // row and draws a seq above it (postgres_event.cc).
  SK_ASSIGN_OR_RETURN(
      pg::Rows streams,
      pg::Exec(conn, "fill event_streams",
               "INSERT INTO event_streams (account, name, last_seq) SELECT account, name, max(seq) "
               "FROM events GROUP BY account, name"));
  report.tables.push_back({copy::kEventStreamsTable, streams.Affected(), /*derived=*/true});
  // Last, just before COMMIT: setval is not undone by a rollback
  // (https://www.postgresql.org/docs/15/functions-sequence.html), so nothing may fail after it
  // but the commit itself (and then a sequence ahead of an empty table costs nothing).
  for (const CopyTable& table : copy::CopiedTables()) {
    if (table.identity == nullptr) continue;
    const std::string name = table.name;
    const std::string column = table.identity;
    const std::string sql = "SELECT setval(pg_get_serial_sequence('" + name + "', '" + column +
                            "'), GREATEST(COALESCE(max(" + column + "), 0), $1::bigint) + 1, " +
                            "false) FROM " + name;
    SK_RETURN_IF_ERROR(pg::Exec(conn, "advance the sequence of " + name + "." + column, sql,
                                pg::Params().Int(SqliteSequence(source, table.name)))
                           .status());
  }
  return report;
}

}  // namespace

Result<CopyReport> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& conninfo,
                                        const Clock& clock) {
  SK_RETURN_IF_ERROR(CheckPostgresConninfo(conninfo));
  // The source first: a missing or outdated file is refused before the target is touched.
  SK_ASSIGN_OR_RETURN(std::unique_ptr<SQLite::Database> source,
                      OpenCurrentReadOnly(sqlite_path, LatestSchemaVersion()));
  // The target as a keeper opens it: schema created or migrated, a newer one refused.
  SK_RETURN_IF_ERROR(OpenPostgresStore(conninfo, clock, OpenMode::kReadWrite).status());

  pg::ConnectionPool pool(conninfo, /*max_size=*/1);
  SK_ASSIGN_OR_RETURN(pg::ConnectionPool::Lease lease, pool.Acquire());
  PGconn* conn = lease.get();
  SK_RETURN_IF_ERROR(pg::Exec(conn, kOp, "BEGIN").status());
  Result<CopyReport> report = CatchSqlite(
      "read " + sqlite_path, [&]() -> Result<CopyReport> { return CopyAll(*source, conn); });
  if (!report.ok()) {
    // Best effort: a connection that cannot roll back is closed, and the server rolls back.
    (void)pg::Exec(conn, kOp, "ROLLBACK");
    return report;
  }
  SK_RETURN_IF_ERROR(pg::Exec(conn, kOp, "COMMIT").status());
  return report;
}

}  // namespace subkeeper::store
