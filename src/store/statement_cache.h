// Prepared statements kept per SQL text for the life of one connection. Internal to the store.
//
// Preparing is most of the cost of a short statement: the 30-day simulation spent 35 % of its
// time in sqlite3_prepare_v2 when every call prepared its SQL again. Statements here are prepared
// on first use and then reused, reset and unbound after every use so that none keeps a read
// transaction open, or a bound token in memory, between calls.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace subkeeper::store {

class StatementCache {
 public:
  // The statement for one use; returns it to the cache (reset, bindings cleared) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    SQLite::Statement& operator*() const { return *statement_; }
    SQLite::Statement* operator->() const { return statement_; }

   private:
    friend class StatementCache;
    Lease(SQLite::Statement* statement, bool* in_use, std::unique_ptr<SQLite::Statement> owned);

    SQLite::Statement* statement_;
    bool* in_use_;  // the cached entry's flag, or null for a one-off statement
    std::unique_ptr<SQLite::Statement> owned_;
  };

  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // The prepared statement for `sql`. A statement already leased (the same SQL used twice at
  // once) is prepared afresh for this use rather than shared. Throws SQLite::Exception when `sql`
  // does not prepare. REQUIRES: the caller serialises use of the connection.
  Lease Get(const std::string& sql);

  // Distinct SQL texts prepared so far (for tests).
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::unique_ptr<SQLite::Statement> statement;
    bool in_use = false;
  };

  // Queries built from optional filters have a handful of shapes; this bounds the cache anyway.
  static constexpr size_t kMaxEntries = 128;

  SQLite::Database& db_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace subkeeper::store
