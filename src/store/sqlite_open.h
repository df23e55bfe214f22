// Opening a SQLite database for the store: private file creation, connection settings and the
// migration runner. Internal to the store module.
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/store/migrations.h"

namespace subkeeper::store {

// Creates `path` with mode 0600 when it does not exist, and narrows an existing database file
// (and its -wal/-shm companions) to 0600 when group or others could read it. SQLite's unix VFS
// gives -wal/-shm the mode of the main file, so they are private too, whatever the umask.
// Errors name the path: kFailedPrecondition (missing directory), kPermissionDenied,
// kUnavailable (anything else). ":memory:" is a no-op.
Status PreparePrivateFile(const std::string& path);

// Opens the connection and applies the pragmas: journal_mode=WAL, synchronous=FULL,
// busy_timeout=5000, foreign_keys=ON. The connection is opened without SQLite's own mutex: the
// caller must not use it from two threads at once. Errors as in sqlite_error.h.
Result<std::unique_ptr<SQLite::Database>> OpenConnection(const std::string& path);

// Opens an existing database read-only (no create, no pragma that writes), with the same busy
// timeout and foreign_keys=ON. kNotFound when `path` does not exist; otherwise as OpenConnection.
Result<std::unique_ptr<SQLite::Database>> OpenReadOnlyConnection(const std::string& path);

// PRAGMA user_version of `db`.
Result<int> SchemaVersion(SQLite::Database& db);

// Opens the existing database at `path` read-only (OpenReadOnlyConnection) and checks that its
// schema version is `latest`: what every reader that must not migrate needs. kNotFound when there
// is no file; kFailedPrecondition naming `path` when the version is older (the keeper migrates
// it when it next starts) or newer (a newer subkeeper wrote it).
Result<std::unique_ptr<SQLite::Database>> OpenCurrentReadOnly(const std::string& path, int latest);

// Reads PRAGMA user_version and applies every migration newer than it, each in its own
// IMMEDIATE transaction that also sets user_version. The version is re-read inside the
// transaction, so two processes migrating the same file at once apply each migration once.
// kFailedPrecondition when the database is newer than the newest of `migrations`.
// REQUIRES: `migrations` in increasing version order.
Status Migrate(SQLite::Database& db, const std::vector<Migration>& migrations);

}  // namespace subkeeper::store
