// Maps SQLiteCpp exceptions to Status values. Internal to the store module: nothing outside
// src/store sees a SQLite::Exception.
#pragma once

#include <SQLiteCpp/Exception.h>

#include <exception>
#include <string>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper::store {

// BUSY/LOCKED/FULL/IOERR (and CANTOPEN/READONLY/PROTOCOL) → kUnavailable,
// CORRUPT/NOTADB → kDataLoss, anything else → kInternal. The message names `operation`.
Status SqliteErrorToStatus(std::string_view operation, const SQLite::Exception& e);

// Runs `fn` (returning Status or Result<T>) and turns any exception it throws into a Status
// naming `operation`, so that no library exception crosses the store's boundary.
template <typename Fn>
auto CatchSqlite(std::string_view operation, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    return SqliteErrorToStatus(operation, e);
  } catch (const std::exception& e) {
    return Status::Internal("store: " + std::string(operation) + ": " + e.what());
  }
}

}  // namespace subkeeper::store
