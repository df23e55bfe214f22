#include "sqlite_error.h"

#include <sqlite3.h>

namespace subkeeper::store {

Status SqliteErrorToStatus(std::string_view operation, const SQLite::Exception& e) {
  std::string message = "store: " + std::string(operation) + ": " + e.what();
  // SQLiteCpp reports -1 for its own misuse errors (e.g. a bad column index).
  const int primary = e.getErrorCode() & 0xff;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    // A file that cannot be opened or written now (permissions fixed, disk remounted) may
    // work later; the operator sees the message either way.
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return Status::Unavailable(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::DataLoss(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

}  // namespace subkeeper::store
