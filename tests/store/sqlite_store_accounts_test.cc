// The renewal schedule, persisted account state and rate blocks of the SQLite store, and the
// migration that introduced them.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "store/temp_dir.h"
#include "subkeeper/store/migrations.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using std::chrono::minutes;
using testing::ModeOf;
using testing::TempDir;

WallTime At(int64_t ms) { return FromUnixMillis(ms); }

std::unique_ptr<Store> Open(const std::string& path, const Clock& clock) {
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  return std::move(store).value();
}

void PutTimer(Store& store, std::string account, std::string name, int64_t next_ms) {
  SubscriptionRecord r;
  r.account = std::move(account);
  r.name = std::move(name);
  r.next_renewal_at = At(next_ms);
  REQUIRE(store.PutSubscription(r, std::nullopt).ok());
}

ScheduleEntry Entry(std::string account, std::string name, int64_t next_ms) {
  return ScheduleEntry{std::move(account), std::move(name), At(next_ms)};
}

std::vector<ScheduleEntry> Page(Store& store, const std::optional<ScheduleEntry>& after,
                                int limit) {
  auto page = store.ListSchedule(after, limit);
  REQUIRE(page.ok());
  return std::move(page).value();
}

// Records with ties on the time (broken by account, then name) and one without a timer.
void PutScheduleFixture(Store& store) {
  PutTimer(store, "b", "x", 2000);
  PutTimer(store, "a", "z", 3000);
  PutTimer(store, "a", "y", 2000);
  PutTimer(store, "a", "x", 2000);
  PutTimer(store, "c", "unset", 0);
  PutTimer(store, "c", "early", 1000);
}

const std::vector<ScheduleEntry> kFixtureOrder = {
    Entry("c", "early", 1000), Entry("a", "x", 2000), Entry("a", "y", 2000),
    Entry("b", "x", 2000),     Entry("a", "z", 3000),
};

TEST_CASE("The schedule is ordered by time then account then name without unset timers",
          "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  CHECK(Page(*store, std::nullopt, 10).empty());
  PutScheduleFixture(*store);
  CHECK(Page(*store, std::nullopt, 10) == kFixtureOrder);
  CHECK(Page(*store, std::nullopt, 2) ==
        std::vector<ScheduleEntry>(kFixtureOrder.begin(), kFixtureOrder.begin() + 2));
  CHECK(store->ListSchedule(std::nullopt, 0).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Schedule pages resume strictly after the cursor across ties", "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  PutScheduleFixture(*store);
  std::vector<ScheduleEntry> walked;
  std::optional<ScheduleEntry> after;
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = Page(*store, after, 2);
    if (page.empty()) break;
    walked.insert(walked.end(), page.begin(), page.end());
    after = page.back();
  }
  CHECK(walked == kFixtureOrder);

  // The cursor need not be a stored record: it is a position in the order.
  CHECK(Page(*store, Entry("a", "xx", 2000), 10) ==
        std::vector<ScheduleEntry>(kFixtureOrder.begin() + 2, kFixtureOrder.end()));
  CHECK(Page(*store, Entry("", "", 2001), 10) == std::vector<ScheduleEntry>{kFixtureOrder.back()});
  CHECK(Page(*store, kFixtureOrder.back(), 10).empty());
}

TEST_CASE("A record moves in the schedule when its timer changes and leaves it when unset",
          "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  PutScheduleFixture(*store);
  PutTimer(*store, "a", "z", 500);
  PutTimer(*store, "c", "early", 0);
  REQUIRE(store->DeleteSubscription("b", "x", std::nullopt).ok());
  CHECK(Page(*store, std::nullopt, 10) == std::vector<ScheduleEntry>{Entry("a", "z", 500),
                                                                     Entry("a", "x", 2000),
                                                                     Entry("a", "y", 2000)});
}

TEST_CASE("create_uncertain round-trips through Put Get and List", "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.create_uncertain = true;
  REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  CHECK(store->GetSubscription("main", "sms").value()->create_uncertain);
  CHECK(store->ListSubscriptions().value().at(0).create_uncertain);
  r.create_uncertain = false;
  REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  CHECK_FALSE(store->GetSubscription("main", "sms").value()->create_uncertain);
}

// Every field set to a distinct non-default value.
AccountRecord FullAccount() {
  AccountRecord a;
  a.account = "main";
  a.credential_fingerprint = "sha256:0123abcd";
  a.access_token = Secret("U0pDMDFQMDFQQVMwMXw.access-ünïcode");
  a.access_expires_at = At(1'700'003'600'123);
  a.refresh_token = Secret("U0pDMDFQMDFQQVMwMXw.refresh");
  a.refresh_expires_at = At(1'700'604'800'456);
  a.state = "auth_failed";
  a.auth_failures = 4;
  a.next_login_at = At(1'700'000'960'789);
  a.last_error = "permission_denied: invalid_grant";
  return a;
}

bool SameAccount(const AccountRecord& a, const AccountRecord& b) {
  return std::tie(a.account, a.credential_fingerprint, a.access_token, a.access_expires_at,
                  a.refresh_token, a.refresh_expires_at, a.state, a.auth_failures, a.next_login_at,
                  a.last_error, a.updated_at) ==
         std::tie(b.account, b.credential_fingerprint, b.access_token, b.access_expires_at,
                  b.refresh_token, b.refresh_expires_at, b.state, b.auth_failures, b.next_login_at,
                  b.last_error, b.updated_at);
}

TEST_CASE("Every account field round-trips and survives a restart", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  AccountRecord expected = FullAccount();
  expected.updated_at = clock.Now();
  {
    auto store = Open(path, clock);
    CHECK_FALSE(store->GetAccount("main").value().has_value());
    REQUIRE(store->PutAccount(FullAccount()).ok());
  }
  auto store = Open(path, clock);
  const auto got = store->GetAccount("main");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const AccountRecord& out = **got;
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

TEST_CASE("PutAccount replaces the record and ListAccounts is ordered", "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  AccountRecord other;
  other.account = "zeta";
  other.state = "ready";
  REQUIRE(store->PutAccount(other).ok());
  REQUIRE(store->PutAccount(FullAccount()).ok());
  clock.Advance(minutes(1));
  AccountRecord cleared;  // a later write clears what it leaves empty
  cleared.account = "main";
  cleared.state = "ready";
  REQUIRE(store->PutAccount(cleared).ok());

  const auto all = store->ListAccounts();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  const AccountRecord& main = (*all)[0];
  CHECK(main.account == "main");
  CHECK(main.state == "ready");
  CHECK(main.access_token.empty());
  CHECK(main.refresh_token.empty());
  CHECK(main.auth_failures == 0);
  CHECK(main.next_login_at == WallTime{});
  CHECK(main.updated_at == clock.Now());
  CHECK((*all)[1].account == "zeta");
  CHECK(store->PutAccount(AccountRecord{}).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Rate blocks are listed while in force and replaced per account and group", "[store]") {
  ManualClock clock;
  auto store = Open(":memory:", clock);
  const int64_t now = ToUnixMillis(clock.Now());
  REQUIRE(store->PutRateBlock({"main", "heavy", At(now + 60'000)}).ok());
  REQUIRE(store->PutRateBlock({"main", "auth", At(now + 30'000)}).ok());
  REQUIRE(store->PutRateBlock({"east", "light", At(now + 10'000)}).ok());

  CHECK(store->ListRateBlocks(At(now)).value() ==
        std::vector<RateBlock>{{"east", "light", At(now + 10'000)},
                               {"main", "auth", At(now + 30'000)},
                               {"main", "heavy", At(now + 60'000)}});
  // until > now: a block ending exactly now is over.
  CHECK(store->ListRateBlocks(At(now + 30'000)).value() ==
        std::vector<RateBlock>{{"main", "heavy", At(now + 60'000)}});

  // A new penalty replaces the old one, shorter or longer.
  REQUIRE(store->PutRateBlock({"main", "heavy", At(now + 5'000)}).ok());
  CHECK(store->ListRateBlocks(At(now + 6'000)).value() ==
        std::vector<RateBlock>{{"east", "light", At(now + 10'000)},
                               {"main", "auth", At(now + 30'000)}});
  CHECK(store->PutRateBlock({"main", "", At(now)}).code() == StatusCode::kInvalidArgument);
  CHECK(store->PutRateBlock({"", "heavy", At(now)}).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Writing a rate block drops the blocks that are over", "[store]") {
  TempDir dir;
  const std::string path = dir.File("subkeeper.db");
  ManualClock clock;
  auto store = Open(path, clock);
  const int64_t now = ToUnixMillis(clock.Now());
  REQUIRE(store->PutRateBlock({"main", "heavy", At(now + 60'000)}).ok());
  REQUIRE(store->PutRateBlock({"main", "auth", At(now + 1'000)}).ok());
  clock.Advance(minutes(1));  // heavy ends exactly now, auth ended before
  REQUIRE(store->PutRateBlock({"east", "light", At(now + 120'000)}).ok());

  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT group_concat(account || '/' || grp) FROM rate_blocks").getString() ==
        "east/light");
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
  CHECK(Page(*store, std::nullopt, 10) == std::vector<ScheduleEntry>{Entry("main", "sms", 5000)});
  CHECK(store->ListAccounts().value().empty());
  CHECK(ModeOf(path) == 0600);
}

}  // namespace
}  // namespace subkeeper::store

namespace subkeeper::store {
namespace {

ConditionTransition Transition(std::string name, std::string type, bool status, int64_t ms) {
  return {"main", std::move(name),       std::move(type),
          status, status ? "Yes" : "No", FromUnixMillis(ms)};
}

TEST_CASE("Condition transitions are replaced per type and go with their subscription", "[store]") {
  ManualClock clock;
  auto opened = OpenSqliteStore(":memory:", clock);
  REQUIRE(opened.ok());
  auto& store = *opened;
  SubscriptionRecord sms;
  sms.account = "main";
  sms.name = "sms";
  REQUIRE(store->PutSubscription(sms, std::nullopt).ok());
  REQUIRE(store
              ->PutConditionTransitions({Transition("sms", "Ready", false, 1000),
                                         Transition("sms", "Renewing", false, 1000),
                                         Transition("fax", "Ready", true, 2000)})
              .ok());
  REQUIRE(store->PutConditionTransitions({Transition("sms", "Ready", true, 5000)}).ok());

  const SubscriptionKey key{"main", "sms"};
  auto own = store->ListConditionTransitions(&key);
  REQUIRE(own.ok());
  CHECK(*own == std::vector<ConditionTransition>{Transition("sms", "Ready", true, 5000),
                                                 Transition("sms", "Renewing", false, 1000)});
  auto all = store->ListConditionTransitions(nullptr);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  CHECK(all->front().name == "fax");

  REQUIRE(store->DeleteSubscription("main", "sms", std::nullopt).ok());
  own = store->ListConditionTransitions(&key);
  REQUIRE(own.ok());
  CHECK(own->empty());
}

}  // namespace
}  // namespace subkeeper::store
