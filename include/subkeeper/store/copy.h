// Moving a keeper's store from SQLite to PostgreSQL (`subkeeper migrate`, docs/postgresql-store.md
// "Moving from SQLite"): every row of every table of a SQLite store copied, column for column,
// into an empty PostgreSQL database, in one PostgreSQL transaction.
//
// The copy is raw, table by table, not through the Store API: history rows must not queue their
// lifecycle events again (AppendHistory would), events keep their seq and relay state, and the
// lease columns, which PutSubscription never writes, come along.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"

namespace subkeeper::store {

// Rows written to one PostgreSQL table.
struct CopiedTable {
  std::string table;
  int64_t rows = 0;
  // True for event_streams, which SQLite does not have: its rows are derived from the copied
  // events (one per subscription that has any, last_seq its highest seq).
  bool derived = false;
};

struct CopyReport {
  std::string database;             // the target's current_database(), for the summary
  std::vector<CopiedTable> tables;  // in copy order; every table, also those with no row
};

// Copies the SQLite store at `sqlite_path` into the PostgreSQL database `conninfo` names.
//
// The source is opened read-only and must exist and have this build's schema (as `history`
// needs it); all of it is read in one read transaction, so a keeper writing to it meanwhile
// cannot make the copy inconsistent (what it writes after that is not copied: stop it first).
// The target is opened as the keeper opens it (OpenPostgresStore, kReadWrite: migrated), then
// in ONE transaction: its subkeeper tables are locked against writers, checked to be empty, and
// filled; event_streams is derived from the events, and the identity sequences of events.seq and
// history.id are moved past the highest value SQLite ever gave out, so the next insert continues
// after the copied ones. Any error rolls everything back: the target keeps no copied row.
//
// Account claims are copied released (owner '', until 0) with their epochs: the keeper that held
// them on SQLite is not one of the keepers sharing the database, and a released claim is taken
// by the first keeper that wants the account, without waiting for a TTL to run out; epochs
// keep increasing from where they were.
//
// `conninfo` is a secret: no error repeats it (as OpenPostgresStore). Neither does one repeat a
// row's values (tokens and webhook secrets are among them): errors name the table and column.
// Errors: kNotFound when there is no file at `sqlite_path`; kFailedPrecondition when its schema
// is not this build's, when the target has a newer schema than this build, or when a target
// table has a row ("target PostgreSQL database is not empty: table subscriptions has 3 rows");
// kInvalidArgument when `conninfo` does not parse, or a SQLite text value holds a NUL byte
// (PostgreSQL text cannot hold one) or is not valid in the database's encoding; kDataLoss when
// an INTEGER column of the SQLite file holds something else; otherwise as the stores' errors.
Result<CopyReport> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& conninfo,
                                        const Clock& clock);

}  // namespace subkeeper::store
