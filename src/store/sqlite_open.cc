#include "sqlite_open.h"

#include <SQLiteCpp/Transaction.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sqlite_error.h"
#include "subkeeper/common/log.h"

namespace subkeeper::store {
namespace {

constexpr mode_t kPrivateMode = S_IRUSR | S_IWUSR;
constexpr int kBusyTimeoutMs = 5000;

bool IsMemory(const std::string& path) { return path.empty() || path == ":memory:"; }

Status FileError(const std::string& path, int err) {
  std::string message = "store: cannot create database file " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Status::FailedPrecondition(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(std::move(message));
    default:
      return Status::Unavailable(std::move(message));
  }
}

// Narrows an existing file to 0600. Failing to do so (a file owned by someone else) is worth a
// warning but not a refusal: the data was already exposed before this process started.
void NarrowMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) == 0) return;
  if (::chmod(path.c_str(), kPrivateMode) != 0) {
    logging::StoreLog().warn("store: {} is readable by group or others and chmod 0600 failed: {}",
                             path, std::strerror(errno));
  }
}

int ReadUserVersion(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

Status ApplyMigration(SQLite::Database& db, const Migration& m) {
  return CatchSqlite(std::string("apply migration ") + m.name, [&]() -> Status {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have migrated between our first read and taking the write lock.
    if (ReadUserVersion(db) >= m.version) return Status::OK();
    db.exec(m.sql);
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
    logging::StoreLog().info("store: applied migration {}", m.name);
    return Status::OK();
  });
}

}  // namespace

Status PreparePrivateFile(const std::string& path) {
  if (IsMemory(path)) return Status::OK();
  // O_CREAT with mode 0600 before SQLite sees the path: the file never exists with wider
  // permissions, even for an instant. O_NOFOLLOW is not used so that a symlinked data path
  // (common with container volumes) keeps working.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kPrivateMode);
  if (fd < 0) return FileError(path, errno);
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) NarrowMode(path + suffix);
  return Status::OK();
}

Result<std::unique_ptr<SQLite::Database>> OpenConnection(const std::string& path) {
  return CatchSqlite("open " + path, [&]() -> Result<std::unique_ptr<SQLite::Database>> {
    // NOMUTEX: the store serialises every use of its connection (SqliteStore::mu_), so SQLite's
    // own per-call mutex only cost a lock and an unlock per column read (~4% of a full listing).
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
    const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal" && !IsMemory(path)) {
      // Some file systems (network mounts) cannot do WAL; FULL sync keeps commits durable anyway.
      logging::StoreLog().warn("store: {} runs in journal_mode={} instead of wal", path, mode);
    }
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    return db;
  });
}

Result<std::unique_ptr<SQLite::Database>> OpenReadOnlyConnection(const std::string& path) {
  struct stat st {};
  if (IsMemory(path) || ::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("no database at " + path);
  }
  return CatchSqlite("open " + path, [&]() -> Result<std::unique_ptr<SQLite::Database>> {
    // A reader of a WAL database still maps the -shm file of a running keeper; without one
    // (the keeper stopped cleanly) SQLite reads the main file alone.
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX,
                                                 kBusyTimeoutMs);
    db->exec("PRAGMA foreign_keys=ON");
    return db;
  });
}

Result<int> SchemaVersion(SQLite::Database& db) {
  return CatchSqlite("read schema version", [&]() -> Result<int> { return ReadUserVersion(db); });
}

Result<std::unique_ptr<SQLite::Database>> OpenCurrentReadOnly(const std::string& path, int latest) {
  SK_ASSIGN_OR_RETURN(std::unique_ptr<SQLite::Database> db, OpenReadOnlyConnection(path));
  SK_ASSIGN_OR_RETURN(const int version, SchemaVersion(*db));
  if (version != latest) {
    return Status::FailedPrecondition(
        "store: " + path + ": database schema version " + std::to_string(version) +
        (version < latest
             ? " is older than this subkeeper's (" + std::to_string(latest) +
                   "); the keeper migrates it when it next starts"
             : " is newer than this subkeeper (supports up to " + std::to_string(latest) + ")"));
  }
  return db;
}

Status Migrate(SQLite::Database& db, const std::vector<Migration>& migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  SK_ASSIGN_OR_RETURN(const int current, CatchSqlite("read schema version", [&]() -> Result<int> {
                        return ReadUserVersion(db);
                      }));
  if (current > latest) {
    return Status::FailedPrecondition("database schema version " + std::to_string(current) +
                                      " is newer than this subkeeper (supports up to " +
                                      std::to_string(latest) + ")");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    SK_RETURN_IF_ERROR(ApplyMigration(db, m));
  }
  return Status::OK();
}

}  // namespace subkeeper::store
