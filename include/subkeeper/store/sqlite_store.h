// The SQLite Store: WAL journal, synchronous=FULL, busy timeout, file mode 0600 (the file is
// created with that mode before SQLite opens it, so it never exists with wider permissions).
// Numbered migrations (schema/NNNN_name.sql, compiled in) are applied in order, each in one
// transaction with the new schema version (PRAGMA user_version); a database whose version is
// newer than the newest migration is refused with kFailedPrecondition.
#pragma once

#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/store.h"

namespace subkeeper::store {

class SqliteStore;

// Opens the database at `path` in `mode`. kReadWrite creates the file (mode 0600) when it does
// not exist and applies pending migrations. kReadOnly opens only an existing database
// (SQLITE_OPEN_READONLY, no SQLITE_OPEN_CREATE): nothing is created, migrated or narrowed.
// Errors in kReadOnly: kNotFound when `path` does not exist ("no database at PATH");
// kFailedPrecondition when its schema version is not this build's (older: the keeper migrates
// it when it next starts; newer: a newer subkeeper wrote it). ":memory:" is accepted for tests
// (kReadWrite only). `clock` stamps updated_at; it must outlive the store.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock,
                                               OpenMode mode = OpenMode::kReadWrite);

// The schema version this build migrates to.
int LatestSchemaVersion();

}  // namespace subkeeper::store
