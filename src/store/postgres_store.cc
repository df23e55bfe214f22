// PostgresStore: opening (migrations under an advisory lock, version gate) and the readiness
// check. The role methods are in the postgres_*.cc files named in postgres_store_impl.h.
#include "subkeeper/store/postgres_store.h"

#include "postgres_codec.h"
#include "postgres_store_impl.h"
#include "subkeeper/common/log.h"
#include "subkeeper/store/migrations.h"

namespace subkeeper::store {
namespace {

// The key of the transaction-scoped advisory lock the migration runner holds
// (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS): "skeeper" in
// ASCII. Replicas starting together queue on it; the first migrates, the others then find the
// schema current. Released at COMMIT or ROLLBACK, so a crashed migrator never leaves it held.
constexpr int64_t kMigrationLockKey = 0x736b6565706572;

const char* const kSchemaTableSql =
    "CREATE TABLE IF NOT EXISTS subkeeper_schema (version integer PRIMARY KEY, name text NOT "
    "NULL, applied_at timestamptz NOT NULL DEFAULT now())";

// Runs the text of a migration: several statements, no values, so the simple query protocol
// (https://www.postgresql.org/docs/15/libpq-exec.html#LIBPQ-PQEXEC) inside the open transaction.
Status RunScript(PGconn* conn, const Migration& migration) {
  pg::ResultPtr result(PQexec(conn, migration.sql));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return pg::ErrorStatus(std::string("migration ") + migration.name, conn, result.get());
  }
  return Status::OK();
}

}  // namespace

Status PostgresStore::Migrate() {
  constexpr std::string_view kOp = "migrate PostgreSQL schema";
  std::vector<const Migration*> applied;
  Status migrated = Transact(kOp, [&](PGconn* conn) -> Status {
    SK_RETURN_IF_ERROR(
        pg::Exec(conn, kOp, "SELECT pg_advisory_xact_lock($1)", pg::Params().Int(kMigrationLockKey))
            .status());
    SK_RETURN_IF_ERROR(pg::Exec(conn, kOp, kSchemaTableSql).status());
    SK_ASSIGN_OR_RETURN(
        pg::Rows rows,
        pg::Exec(conn, kOp, "SELECT coalesce(max(version), 0) FROM subkeeper_schema"));
    const int64_t version = rows.Int(0, 0);
    const int latest = LatestPostgresSchemaVersion();
    if (version > latest) {
      return Status::FailedPrecondition(
          "store: PostgreSQL database schema version " + std::to_string(version) +
          " is newer than this subkeeper (supports up to " + std::to_string(latest) + ")");
    }
    for (const Migration& migration : EmbeddedPostgresMigrations()) {
      if (migration.version <= version) continue;
      SK_RETURN_IF_ERROR(RunScript(conn, migration));
      SK_RETURN_IF_ERROR(pg::Exec(conn, kOp,
                                  "INSERT INTO subkeeper_schema (version, name) VALUES ($1, $2)",
                                  pg::Params().Int(migration.version).Text(migration.name))
                             .status());
      applied.push_back(&migration);
    }
    return Status::OK();
  });
  if (migrated.ok()) {
    for (const Migration* m : applied) {
      logging::StoreLog().info("store: applied PostgreSQL migration {}", m->name);
    }
  }
  return migrated;
}

Status PostgresStore::CheckWritable() {
  constexpr std::string_view kOp = "check writable";
  return Transact(kOp, [&](PGconn* conn) -> Status {
    // A real write and commit: a read-only standby, a full disk or a lost server shows up here
    // rather than on the next webhook.
    SK_RETURN_IF_ERROR(
        pg::Exec(conn, kOp,
                 "INSERT INTO meta (key, value) VALUES ('writable_check_at', $1) ON CONFLICT "
                 "(key) DO UPDATE SET value = excluded.value",
                 pg::Params().Int(ToUnixMillis(clock_.Now())))
            .status());
    // The notifications' own path too, undone before the commit.
    SK_RETURN_IF_ERROR(pg::Exec(conn, kOp, "SAVEPOINT readiness_probe").status());
    EventRecord probe;
    probe.uuid = "subkeeper-readiness-probe";
    probe.account = "-";
    probe.name = "-";
    SK_RETURN_IF_ERROR(pg::Exec(conn, kOp,
                                std::string("INSERT INTO events (") + pg::kEventInsertColumns +
                                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                                    "$12, $13) ON CONFLICT (uuid) DO NOTHING",
                                pg::EventParams(probe))
                           .status());
    SK_RETURN_IF_ERROR(pg::Exec(conn, kOp, "ROLLBACK TO SAVEPOINT readiness_probe").status());
    return pg::Exec(conn, kOp, "RELEASE SAVEPOINT readiness_probe").status();
  });
}

Status PostgresStore::CheckSchema() {
  constexpr std::string_view kOp = "check PostgreSQL schema";
  return Transact(kOp, [&](PGconn* conn) -> Status {
    SK_ASSIGN_OR_RETURN(
        pg::Rows rows,
        pg::Exec(conn, kOp,
                 "SELECT to_regclass('subkeeper_schema') IS NOT NULL, current_database()"));
    if (rows.Text(0, 0) != "t") {
      return Status::NotFound("no subkeeper schema in PostgreSQL database '" + rows.Text(0, 1) +
                              "'; the keeper creates it when it first runs");
    }
    SK_ASSIGN_OR_RETURN(
        pg::Rows version,
        pg::Exec(conn, kOp, "SELECT coalesce(max(version), 0) FROM subkeeper_schema"));
    const int64_t found = version.Int(0, 0);
    const int latest = LatestPostgresSchemaVersion();
    if (found != latest) {
      return Status::FailedPrecondition(
          "store: PostgreSQL database schema version " + std::to_string(found) + " is " +
          (found < latest
               ? "older than this subkeeper's (" + std::to_string(latest) +
                     "); the keeper migrates it when it next starts"
               : "newer than this subkeeper (supports up to " + std::to_string(latest) + ")"));
    }
    return Status::OK();
  });
}

Status CheckPostgresConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options != nullptr) {
    PQconninfoFree(options);
    return Status::OK();
  }
  std::string reason = error != nullptr ? pg::WithoutQuoted(error) : "out of memory";
  if (error != nullptr) PQfreemem(error);
  return Status::InvalidArgument(
      "not a libpq connection string (key=value pairs or a "
      "postgresql:// URI): " +
      reason);
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, const Clock& clock,
                                                 OpenMode mode) {
  SK_RETURN_IF_ERROR(CheckPostgresConninfo(conninfo));
  auto store = std::make_unique<PostgresStore>(conninfo, clock, mode);
  SK_RETURN_IF_ERROR(mode == OpenMode::kReadOnly ? store->CheckSchema() : store->Migrate());
  return std::unique_ptr<Store>(std::move(store));
}

int LatestPostgresSchemaVersion() {
  const auto& migrations = EmbeddedPostgresMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

}  // namespace subkeeper::store
