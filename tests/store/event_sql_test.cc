// The plans of the event queries: the relay's queries walk the partial index of pending rows or
// a range of the state index, never the whole events table.
#include "store/event_sql.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using testing::TempDir;

// A migrated database with rows of every state, opened raw for EXPLAIN QUERY PLAN.
class PlanFixture {
 public:
  PlanFixture() {
    ManualClock clock;
    auto store = OpenSqliteStore(dir_.File("plan.db"), clock);
    REQUIRE(store.ok());
    std::vector<EventRecord> events;
    for (int i = 0; i < 200; ++i) {
      EventRecord e;
      e.uuid = "u" + std::to_string(i);
      e.account = "acc" + std::to_string(i % 3);
      e.name = "sub" + std::to_string(i % 7);
      e.relay_state = i % 10 == 0   ? RelayState::kPending
                      : i % 10 == 1 ? RelayState::kDead
                                    : RelayState::kDelivered;
      events.push_back(e);
    }
    REQUIRE((*store)->InsertEvents(events).ok());
    db_ = std::make_unique<SQLite::Database>(dir_.File("plan.db"), SQLite::OPEN_READONLY);
  }

  // The plan's detail lines, one per line.
  std::string Plan(const std::string& sql) {
    SQLite::Statement st(*db_, "EXPLAIN QUERY PLAN " + sql);
    std::string out;
    while (st.executeStep()) out += st.getColumn(3).getString() + "\n";
    return out;
  }

 private:
  TempDir dir_;
  std::unique_ptr<SQLite::Database> db_;
};

// True when a step reads the events table (aliases e, n, h) other than through `index` or by seq.
bool ReadsEventsOtherwise(const std::string& plan, const std::string& index) {
  static const std::regex step("^(SCAN|SEARCH) (events|e|n|h) ");
  std::istringstream lines(plan);
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, step) && line.find(index) == std::string::npos &&
        line.find("PRIMARY KEY") == std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST_CASE("Relay heads seek through the partial index of pending rows", "[store]") {
  PlanFixture db;
  const std::string plan = db.Plan(RelayHeadsSql());
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("events_pending (account=? AND name>?)"));
  CHECK_THAT(plan, Catch::Contains("events_pending (account>?)"));
  CHECK_FALSE(ReadsEventsOtherwise(plan, "events_pending"));
}

TEST_CASE("A subscription's pending events are listed through the partial index", "[store]") {
  PlanFixture db;
  const std::string plan = db.Plan(ListEventsSql(true, true, RelayState::kPending));
  INFO(plan);
  CHECK_THAT(plan, Catch::Contains("USING INDEX events_pending (account=? AND name=?)"));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));  // already in seq order
  // Other states go through the route index with a bound state.
  CHECK_THAT(db.Plan(ListEventsSql(true, true, RelayState::kDead)),
             Catch::Contains("events_route (account=? AND name=?)"));
}

TEST_CASE("Prune, replay and counts use the state index", "[store]") {
  PlanFixture db;
  const std::string prune = db.Plan(kPruneEventsSql);
  INFO(prune);
  CHECK_THAT(prune, Catch::Contains("events_state_received (relay_state=? AND received_at<?)"));
  CHECK_FALSE(ReadsEventsOtherwise(prune, "events_state_received"));

  ReplayQuery since;
  since.since = FromUnixMillis(1000);
  since.account = "acc1";
  const std::string replay = db.Plan(RequeueEventsSql(since));
  INFO(replay);
  CHECK_THAT(replay, Catch::Contains("events_state_received (relay_state=? AND received_at>?)"));

  const std::string counts = db.Plan(kCountRelaySql);
  INFO(counts);
  CHECK_THAT(counts, Catch::Contains("COVERING INDEX events_state_received"));
  CHECK_FALSE(ReadsEventsOtherwise(counts, "events_state_received"));
}

}  // namespace
}  // namespace subkeeper::store
