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

// Opens (creating if needed) the database at `path`. ":memory:" is accepted for tests.
// `clock` stamps updated_at; it must outlive the store.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock);

// The schema version this build migrates to.
int LatestSchemaVersion();

}  // namespace subkeeper::store
