// The plan of the schedule query: one seek into the covering partial index, whatever the cursor.
#include "store/subscription_sql.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using testing::TempDir;

TEST_CASE("The schedule is read by a seek into its covering partial index", "[store]") {
  TempDir dir;
  ManualClock clock;
  REQUIRE(OpenSqliteStore(dir.File("plan.db"), clock).ok());
  SQLite::Database db(dir.File("plan.db"), SQLite::OPEN_READONLY);
  SQLite::Statement st(db, std::string("EXPLAIN QUERY PLAN ") + kScheduleSql);
  std::string plan;
  while (st.executeStep()) plan += st.getColumn(3).getString() + "\n";
  INFO(plan);
  // The seek is on the whole row value: a seek on next_renewal_at alone would walk every entry
  // before the cursor.
  CHECK_THAT(plan,
             Catch::Contains("SEARCH subscriptions USING COVERING INDEX "
                             "subscriptions_schedule ((next_renewal_at,account,name)>(?,?,?))"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}

}  // namespace
}  // namespace subkeeper::store
