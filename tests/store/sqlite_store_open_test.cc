// Opening, file permissions, schema versions and error mapping of the SQLite store.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "store/sqlite_error.h"
#include "store/sqlite_open.h"
#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using testing::ModeOf;
using testing::TempDir;

// Restores the process umask when the test ends, whatever it asserted.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

EventRecord Event(std::string uuid) {
  EventRecord e;
  e.uuid = std::move(uuid);
  e.account = "main";
  e.name = "sms";
  return e;
}

SubscriptionRecord Record(std::string name) {
  SubscriptionRecord r;
  r.account = "main";
  r.name = std::move(name);
  r.event_filters = {"/restapi/v1.0/account/~/extension/~/message-store"};
  r.remote_id = "sub-1";
  return r;
}

TEST_CASE("SqliteStore creates its database and WAL files with mode 0600", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  // Even with a umask that would make new files world-writable.
  ScopedUmask umask_guard(0);
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  REQUIRE((*store)->PutSubscription(Record("sms"), std::nullopt).ok());

  CHECK(ModeOf(path) == 0600);
  CHECK(ModeOf(path + "-wal") == 0600);
  CHECK(ModeOf(path + "-shm") == 0600);
}

TEST_CASE("SqliteStore narrows an existing world-readable database to 0600", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  REQUIRE(OpenSqliteStore(path, clock).ok());
  REQUIRE(::chmod(path.c_str(), 0644) == 0);

  REQUIRE(OpenSqliteStore(path, clock).ok());
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("SqliteStore migrates a new file to the latest schema version", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  REQUIRE(LatestSchemaVersion() >= 1);
  REQUIRE(OpenSqliteStore(path, clock).ok());

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == LatestSchemaVersion());
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(raw.tableExists("subscriptions"));
  CHECK(raw.tableExists("history"));
  CHECK(raw.tableExists("events"));
}

TEST_CASE("SqliteStore keeps its data across a restart", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  {
    auto store = OpenSqliteStore(path, clock);
    REQUIRE(store.ok());
    HistoryEntry created;
    created.kind = HistoryKind::kCreated;
    created.remote_id = "sub-1";
    REQUIRE((*store)->PutSubscription(Record("sms"), created).ok());
    REQUIRE((*store)->InsertEvents({Event("u1")}).ok());
  }
  auto reopened = OpenSqliteStore(path, clock);
  REQUIRE(reopened.ok());
  auto got = (*reopened)->GetSubscription("main", "sms");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->remote_id == "sub-1");
  CHECK((*reopened)->ListHistory({}).value().size() == 1);
  // The uuid stored before the restart still deduplicates after it.
  auto again = (*reopened)->InsertEvents({Event("u1")});
  REQUIRE(again.ok());
  CHECK(again->at(0) == InsertOutcome::kDuplicate);
}

TEST_CASE("A version 1 database migrates to the relay schema keeping its rows", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  {
    // What a build before the relay left behind: only 0001 applied, a pending event and a record.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(EmbeddedMigrations().at(0).version == 1);
    raw.exec(EmbeddedMigrations().at(0).sql);
    raw.exec("PRAGMA user_version = 1");
    raw.exec(
        "INSERT INTO subscriptions (account, name, remote_id) VALUES ('main', 'sms', 'sub-1');"
        "INSERT INTO events (uuid, account, name, body, received_at, relay_state, attempts) "
        "VALUES ('old-1', 'main', 'sms', x'7b7d', 1000, 'pending', 2),"
        "       ('old-2', 'main', 'sms', x'7b7d', 2000, 'delivered', 1);");
  }
  ManualClock clock;
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == LatestSchemaVersion());
    CHECK(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'events_pending'")
              .getInt() == 1);
  }
  CHECK((*store)->GetSubscription("main", "sms").value()->remote_id == "sub-1");
  const auto events = (*store)->ListEvents("main", "sms", std::nullopt, 0).value();
  REQUIRE(events.size() == 2);
  CHECK(events[0].uuid == "old-1");
  CHECK(events[0].body == "{}");
  CHECK(events[0].attempts == 2);
  CHECK(events[0].last_error.empty());
  CHECK(events[1].delivered_at == WallTime{});
  // The old backlog is what the relay delivers first.
  const auto heads = (*store)->ListRelayHeads().value();
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].uuid == "old-1");
  CHECK((*store)->InsertEvents({Event("old-2")}).value().at(0) == InsertOutcome::kDuplicate);
}

TEST_CASE("SqliteStore refuses a database newer than this build", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 999");
  }
  ManualClock clock;
  auto store = OpenSqliteStore(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(store.status().message(),
             Catch::Contains("database schema version 999 is newer than this subkeeper "
                             "(supports up to " +
                             std::to_string(LatestSchemaVersion()) + ")"));
}

TEST_CASE("SqliteStore reports a file that is not a database as data loss", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  std::ofstream(path) << std::string(4096, 'x');
  ManualClock clock;
  auto store = OpenSqliteStore(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(store.status().message(), Catch::Contains(path));
}

TEST_CASE("SqliteStore names the path it cannot create", "[store]") {
  TempDir dir;
  const std::string path = dir.File("missing-dir/subkeeper.db");
  ManualClock clock;
  auto store = OpenSqliteStore(path, clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(store.status().message(), Catch::Contains(path));
}

TEST_CASE("SqliteStore in memory and on disk accepts a write check", "[store]") {
  TempDir dir;
  ManualClock clock;
  for (const std::string& path : {std::string(":memory:"), dir.File("subkeeper.db")}) {
    auto store = OpenSqliteStore(path, clock);
    REQUIRE(store.ok());
    CHECK((*store)->CheckWritable().ok());
  }
  SQLite::Database raw(dir.File("subkeeper.db"), SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT value FROM meta WHERE key = 'writable_check_at'").getInt64() ==
        ToUnixMillis(clock.Now()));
}

TEST_CASE("the write check goes through the events table and leaves nothing there", "[store]") {
  TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("subkeeper.db");
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  REQUIRE((*store)->CheckWritable().ok());
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    CHECK(raw.execAndGet("SELECT COUNT(*) FROM events").getInt64() == 0);
    // Stands in for a damaged events table: inserts into it fail, the meta row still commits.
    raw.exec(
        "CREATE TRIGGER events_broken BEFORE INSERT ON events BEGIN "
        "SELECT RAISE(ABORT, 'database disk image is malformed'); END");
  }
  Status broken = (*store)->CheckWritable();
  CHECK_FALSE(broken.ok());
  CHECK_THAT(broken.message(), Catch::Contains("malformed"));
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("DROP TRIGGER events_broken");
  }
  CHECK((*store)->CheckWritable().ok());
}

TEST_CASE("Migrate applies each migration in its own transaction", "[store]") {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  const std::vector<Migration> migrations = {
      {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  Status s = Migrate(db, migrations);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("0002_b"));
  // The first migration stays applied; the failed one left nothing behind.
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 1);
  CHECK(db.tableExists("a"));
  CHECK_FALSE(db.tableExists("b"));

  const std::vector<Migration> fixed = {migrations[0], {2, "0002_b", "CREATE TABLE b (x);"}};
  REQUIRE(Migrate(db, fixed).ok());
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 2);
  // Running again is a no-op: 0001 would fail if it were applied twice.
  CHECK(Migrate(db, fixed).ok());
}

TEST_CASE("SQLite errors map to codes that say how to retry", "[store]") {
  auto code_of = [](int sqlite_code) {
    return SqliteErrorToStatus("put subscription main/sms", SQLite::Exception("boom", sqlite_code))
        .code();
  };
  CHECK(code_of(SQLITE_BUSY) == StatusCode::kUnavailable);
  CHECK(code_of(SQLITE_LOCKED) == StatusCode::kUnavailable);
  CHECK(code_of(SQLITE_FULL) == StatusCode::kUnavailable);
  CHECK(code_of(SQLITE_IOERR_FSYNC) == StatusCode::kUnavailable);
  CHECK(code_of(SQLITE_CORRUPT) == StatusCode::kDataLoss);
  CHECK(code_of(SQLITE_NOTADB) == StatusCode::kDataLoss);
  CHECK(code_of(SQLITE_CONSTRAINT) == StatusCode::kInternal);
  CHECK_THAT(
      SqliteErrorToStatus("put subscription main/sms", SQLite::Exception("boom", 5)).message(),
      Catch::Contains("put subscription main/sms"));
}

}  // namespace
}  // namespace subkeeper::store
