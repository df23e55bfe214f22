// The SQLite store's own share of account state and the schedule: persistence across a restart
// in a private file, the sweep of finished rate blocks, and the migration that introduced them.
// The contracts every implementation keeps are in conformance/.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "store/conformance/fixtures.h"
#include "store/temp_dir.h"
#include "subkeeper/store/migrations.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using conformance::At;
using conformance::FullAccount;
using conformance::SameAccount;
using conformance::SavedAccount;
using platform::AccountSnapshot;
using std::chrono::minutes;
using testing::ModeOf;
using testing::TempDir;

std::unique_ptr<Store> Open(const std::string& path, const Clock& clock) {
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  return std::move(store).value();
}

TEST_CASE("Every account field round-trips and survives a restart", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  AccountSnapshot expected = FullAccount();
  expected.updated_at = clock.Now();
  {
    auto store = Open(path, clock);
    CHECK_FALSE(SavedAccount(*store, "main").has_value());
    REQUIRE(store->SaveAccount(FullAccount()).ok());
  }
  auto store = Open(path, clock);
  const auto got = SavedAccount(*store, "main");
  REQUIRE(got.has_value());
  const AccountSnapshot& out = *got;
  CHECK(out.access_token.Reveal() == expected.access_token.Reveal());
  CHECK(out.refresh_token.Reveal() == expected.refresh_token.Reveal());
  CHECK(out.access_expires_at == expected.access_expires_at);
  CHECK(out.refresh_expires_at == expected.refresh_expires_at);
  CHECK(out.next_login_at == expected.next_login_at);
  CHECK(out.updated_at == expected.updated_at);
  CHECK(out.auth_failures == 4);
  CHECK(SameAccount(out, expected));
  // The tokens are in the file, and the file is private.
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("A never logged in account is stored with an empty state; an unknown one is data loss",
          "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  auto store = Open(path, clock);
  AccountSnapshot fresh;
  fresh.account = "main";
  REQUIRE(store->SaveAccount(fresh).ok());
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  CHECK(raw.execAndGet("SELECT state FROM accounts").getString().empty());
  CHECK(SavedAccount(*store, "main")->state == platform::CredentialState::kLoggedOut);

  raw.exec("UPDATE accounts SET state = 'Bogus'");
  const auto all = store->LoadAccounts();
  REQUIRE_FALSE(all.ok());
  CHECK(all.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(all.status().message(), Catch::Contains("state") && Catch::Contains("Bogus"));
}

TEST_CASE("Writing a rate block drops the blocks that are over", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  auto store = Open(path, clock);
  const int64_t now = ToUnixMillis(clock.Now());
  REQUIRE(store->SaveRateBlock({"main", platform::RateGroup::kHeavy, At(now + 60'000)}).ok());
  REQUIRE(store->SaveRateBlock({"main", platform::RateGroup::kAuth, At(now + 1'000)}).ok());
  clock.Advance(minutes(1));  // heavy ends exactly now, auth ended before
  REQUIRE(store->SaveRateBlock({"east", platform::RateGroup::kLight, At(now + 120'000)}).ok());

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT group_concat(account || '/' || grp) FROM rate_blocks").getString() ==
        "east/light");
}

TEST_CASE("A rate block of a group this build does not know is skipped, the others load",
          "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  const int64_t now = ToUnixMillis(clock.Now());
  {
    auto store = Open(path, clock);
    REQUIRE(store->SaveRateBlock({"main", platform::RateGroup::kLight, At(now + 60'000)}).ok());
  }
  {
    // What a newer build with a fifth group could leave behind.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO rate_blocks (account, grp, until) VALUES ('main', 'no-such-group', " +
             std::to_string(now + 60'000) + ")");
  }
  auto store = Open(path, clock);
  auto blocks = store->LoadRateBlocks(clock.Now());
  REQUIRE(blocks.ok());
  CHECK(*blocks ==
        std::vector<platform::RateBlock>{{"main", platform::RateGroup::kLight, At(now + 60'000)}});
}

TEST_CASE("A version 2 database migrates keeping its rows with create_uncertain unset", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  {
    // What the relay build left behind: 0001 and 0002 applied, two records (one without a timer).
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(EmbeddedMigrations().at(1).version == 2);
    raw.exec(EmbeddedMigrations().at(0).sql);
    raw.exec(EmbeddedMigrations().at(1).sql);
    raw.exec("PRAGMA user_version = 2");
    raw.exec(
        "INSERT INTO subscriptions (account, name, remote_id, next_renewal_at, failures) "
        "VALUES ('main', 'sms', 'sub-1', 5000, 2), ('main', 'voice', 'sub-2', 0, 0);");
  }
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  ManualClock clock;
  auto store = Open(path, clock);
  {
    SQLite::Database raw(path, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("PRAGMA user_version").getInt() == LatestSchemaVersion());
    CHECK(
        raw.execAndGet("SELECT count(*) FROM subscriptions WHERE create_uncertain = 0").getInt() ==
        2);
    CHECK(raw.tableExists("accounts"));
    CHECK(raw.tableExists("rate_blocks"));
  }
  const auto sms = store->GetSubscription("main", "sms").value();
  REQUIRE(sms.has_value());
  CHECK(sms->remote_id == "sub-1");
  CHECK(sms->failures == 2);
  CHECK_FALSE(sms->create_uncertain);
  CHECK(store->ListSubscriptions().value().size() == 2);
  // The old timers are in the new index.
  CHECK(store->ListSchedule(std::nullopt, 10).value() ==
        std::vector<ScheduleEntry>{{"main", "sms", At(5000)}});
  CHECK(store->LoadAccounts().value().empty());
  CHECK(ModeOf(path) == 0600);
}

}  // namespace
}  // namespace subkeeper::store
