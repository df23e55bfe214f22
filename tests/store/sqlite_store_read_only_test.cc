// OpenMode::kReadOnly: what history and plan open. Never creates, migrates or writes.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using testing::ModeOf;
using testing::TempDir;

HistoryEntry Created() {
  HistoryEntry created;
  created.account = "main";
  created.name = "sms";
  created.kind = HistoryKind::kCreated;
  created.remote_id = "sub-1";
  return created;
}

SubscriptionRecord Record() {
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  return r;
}

TEST_CASE("A read-only open of a missing database fails and creates nothing", "[store]") {
  TempDir dir;
  const std::string path = dir.File("missing.db");
  ManualClock clock;
  auto opened = OpenSqliteStore(path, clock, OpenMode::kReadOnly);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == StatusCode::kNotFound);
  CHECK(opened.status().message() == "no database at " + path);
  CHECK(std::filesystem::is_empty(dir.path()));
  CHECK(OpenSqliteStore(":memory:", clock, OpenMode::kReadOnly).status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("A read-only store reads what the keeper wrote and refuses writes", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  {
    auto writer = OpenSqliteStore(path, clock);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->PutSubscription(Record(), Created()).ok());
  }
  // The keeper stopped cleanly: no -wal/-shm left, and the reader must not need them.
  auto reader = OpenSqliteStore(path, clock, OpenMode::kReadOnly);
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  auto history = (*reader)->ListHistory({});
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK(history->at(0).remote_id == "sub-1");
  CHECK_FALSE((*reader)->PutSubscription(Record(), std::nullopt).ok());
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("A read-only store reads beside a running writer", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  auto writer = OpenSqliteStore(path, clock);
  REQUIRE(writer.ok());
  REQUIRE((*writer)->PutSubscription(Record(), Created()).ok());
  auto reader = OpenSqliteStore(path, clock, OpenMode::kReadOnly);
  REQUIRE(reader.ok());
  CHECK((*reader)->ListHistory({}).value().size() == 1);
  Status appended = (*writer)->AppendHistory(Created());
  INFO(appended.ToString());
  REQUIRE(appended.ok());
  CHECK((*reader)->ListHistory({}).value().size() == 2);
}

TEST_CASE("A read-only open refuses a database of another schema version", "[store]") {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 1");
  }
  ManualClock clock;
  auto opened = OpenSqliteStore(path, clock, OpenMode::kReadOnly);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(opened.status().message(), Catch::Contains("older"));
  // Not migrated behind the caller's back.
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == 1);
}

}  // namespace
}  // namespace subkeeper::store
