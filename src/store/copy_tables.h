// What CopySqliteToPostgres (store/copy.h) copies: every table of the SQLite schema with every
// column, each column's type given explicitly rather than guessed from the values at run time.
// The two schemas name their columns alike (schema/postgres/0001_init.sql); the types differ
// where SQLite has none of PostgreSQL's: booleans are SQLite integers 0/1, bytea a BLOB.
// tests/store/copy_test.cc checks this list against both schemas, so a migration that adds a
// table or a column without adding it here fails a test instead of being left behind.
// Internal to src/store.
#pragma once

#include <vector>

namespace subkeeper::store::copy {

// How a column is read from SQLite and bound for PostgreSQL.
enum class ColumnType {
  kText,     // TEXT → text
  kInteger,  // INTEGER → bigint or integer (a value out of range fails the copy)
  kBoolean,  // INTEGER 0/1 → boolean (anything but 0 is true, as the SQLite store reads it)
  kBytes,    // BLOB → bytea, bound in binary: every byte kept
};

struct CopyColumn {
  const char* name;
  ColumnType type;
  // The SQL expression read from SQLite instead of the column itself (nullptr: the column).
  const char* read_as = nullptr;
};

struct CopyTable {
  const char* name;
  std::vector<CopyColumn> columns;
  const char* order_by;  // the primary key: rows are read, and so inserted, in a stable order
  // The column PostgreSQL generates (GENERATED ALWAYS AS IDENTITY), nullptr when none: inserted
  // with OVERRIDING SYSTEM VALUE, then its sequence is moved past the highest value SQLite gave
  // out (max of the column and of sqlite_sequence, since AUTOINCREMENT never reuses a pruned one).
  const char* identity = nullptr;
};

// Every table of the SQLite schema at LatestSchemaVersion(), in copy order.
const std::vector<CopyTable>& CopiedTables();

// The PostgreSQL tables that SQLite does not have: event_streams is filled from the copied
// events; rate_spends (the request budget keepers share) starts empty, as one keeper's spends
// are its own window's, gone with it. Both are locked and must be empty, like the copied ones.
inline constexpr const char* kEventStreamsTable = "event_streams";
inline constexpr const char* kRateSpendsTable = "rate_spends";

}  // namespace subkeeper::store::copy
