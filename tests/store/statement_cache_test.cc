// The store's prepared-statement cache: one preparation per SQL text, and a statement handed
// back is reset and unbound, so no use sees the previous one's cursor or values.
#include "store/statement_cache.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

namespace subkeeper::store {
namespace {

SQLite::Database MemoryDb() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
  db.exec("INSERT INTO t (k, v) VALUES (1, 'one'), (2, 'two')");
  return db;
}

TEST_CASE("A statement is prepared once per SQL text and reused", "[store]") {
  SQLite::Database db = MemoryDb();
  StatementCache cache(db);
  const std::string sql = "SELECT v FROM t WHERE k = ?";
  const SQLite::Statement* first = nullptr;
  for (int k = 1; k <= 2; ++k) {
    auto lease = cache.Get(sql);
    if (first == nullptr) first = &*lease;
    CHECK(&*lease == first);
    lease->bind(1, k);
    REQUIRE(lease->executeStep());
    CHECK(lease->getColumn(0).getString() == (k == 1 ? "one" : "two"));
  }
  CHECK(cache.size() == 1);
  { auto other = cache.Get("SELECT count(*) FROM t"); }
  CHECK(cache.size() == 2);
}

TEST_CASE("A returned statement starts from the first row with no values bound", "[store]") {
  SQLite::Database db = MemoryDb();
  StatementCache cache(db);
  const std::string sql = "SELECT v, ?1 IS NULL FROM t ORDER BY k";
  {
    auto lease = cache.Get(sql);
    lease->bind(1, "a bound token");
    REQUIRE(lease->executeStep());  // left mid-result on purpose
  }
  auto lease = cache.Get(sql);
  REQUIRE(lease->executeStep());
  CHECK(lease->getColumn(0).getString() == "one");
  CHECK(lease->getColumn(1).getInt() == 1);  // the earlier binding was cleared
}

TEST_CASE("The same SQL leased twice at once gets two statements", "[store]") {
  SQLite::Database db = MemoryDb();
  StatementCache cache(db);
  const std::string sql = "SELECT v FROM t ORDER BY k";
  auto outer = cache.Get(sql);
  REQUIRE(outer->executeStep());
  {
    auto inner = cache.Get(sql);
    CHECK(&*inner != &*outer);
    REQUIRE(inner->executeStep());
    CHECK(inner->getColumn(0).getString() == "one");
  }
  // The nested use did not move the outer cursor.
  REQUIRE(outer->executeStep());
  CHECK(outer->getColumn(0).getString() == "two");
  CHECK(cache.size() == 1);
}

TEST_CASE("SQL that does not prepare throws and is not cached", "[store]") {
  SQLite::Database db = MemoryDb();
  StatementCache cache(db);
  CHECK_THROWS_AS(cache.Get("SELECT nope FROM missing"), SQLite::Exception);
  CHECK(cache.size() == 0);
}

}  // namespace
}  // namespace subkeeper::store
