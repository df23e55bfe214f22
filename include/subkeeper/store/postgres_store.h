// The PostgreSQL Store: the same roles and contract as the SQLite one (store/store.h), on a
// database several keeper processes can share. Talks to the server through libpq.
//
// Numbered migrations of its own (schema/postgres/NNNN_name.sql, compiled in) are applied at
// open, all in one transaction under a transaction-scoped advisory lock, and recorded in the
// table subkeeper_schema: replicas starting together migrate once, the others wait for the lock
// and then find nothing to do. A database whose schema is newer than this build is refused with
// kFailedPrecondition.
//
// Thread-safe: each call takes a connection from a small pool (opened on demand, at most
// kPostgresPoolSize) for its one transaction, so callers on different threads run in parallel
// and PostgreSQL's row locks arbitrate between them and other processes.
#pragma once

#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/store.h"

namespace subkeeper::store {

// Connections a PostgresStore opens at most.
inline constexpr int kPostgresPoolSize = 8;

// Opens the store on the database `conninfo` names (a libpq connection string,
// https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING). kReadWrite migrates
// it; kReadOnly only checks its schema and opens read-only connections.
// `conninfo` is a secret (it may hold a password): no error or log line repeats it; errors name
// the database and host only. `clock` stamps updated_at and must outlive the store.
// Errors: kInvalidArgument when `conninfo` does not parse (CheckPostgresConninfo), kUnavailable
// when the server cannot be reached, kFailedPrecondition when the schema is newer than this
// build (or, in kReadOnly, older), kNotFound in kReadOnly when it has no subkeeper schema.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& conninfo, const Clock& clock,
                                                 OpenMode mode = OpenMode::kReadWrite);

// Checks that `conninfo` parses as a libpq connection string (key=value pairs or a
// postgresql:// URI, PQconninfoParse) without connecting. The error says what is wrong with
// every quoted fragment of the string left out, since any part of it may be a password.
Status CheckPostgresConninfo(const std::string& conninfo);

// The PostgreSQL schema version this build migrates to.
int LatestPostgresSchemaVersion();

}  // namespace subkeeper::store
