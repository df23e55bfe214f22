// SqliteStore: opening (private file, migrations, version gate) and the readiness check. The
// role methods are in the *_sql.cc files named in sqlite_store_impl.h.
#include "subkeeper/store/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "record_codec.h"
#include "sqlite_error.h"
#include "sqlite_open.h"
#include "sqlite_store_impl.h"
#include "subkeeper/store/migrations.h"

namespace subkeeper::store {

Status SqliteStore::CheckWritable() {
  MutexLock lock(mu_);
  return CatchSqlite("check writable", [&]() -> Status {
    mu_.AssertHeld();
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

namespace {

Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& path, const Clock& clock) {
  SK_ASSIGN_OR_RETURN(std::unique_ptr<SQLite::Database> db,
                      OpenCurrentReadOnly(path, LatestSchemaVersion()));
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

}  // namespace subkeeper::store
