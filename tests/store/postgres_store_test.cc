// What only the PostgreSQL store has: migrations shared by replicas starting together, the
// version gate, the secrecy of the connection string, and the order of seqs under concurrent
// ingest. The contract itself is in conformance/. Every test gets a fresh database of the
// process's throwaway cluster (tests/support/pg_cluster.h), or is skipped visibly.
#include "subkeeper/store/postgres_store.h"

#include <libpq-fe.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/pg_cluster.h"

namespace subkeeper::store {
namespace {

using Conn = std::unique_ptr<PGconn, void (*)(PGconn*)>;
using Res = std::unique_ptr<PGresult, void (*)(PGresult*)>;

// Runs `sql` on a connection of its own and returns the first column of the first row.
std::string Scalar(const std::string& conninfo, const char* sql) {
  Conn conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  Res result(PQexec(conn.get(), sql), &PQclear);
  INFO(PQresultErrorMessage(result.get()));
  REQUIRE((PQresultStatus(result.get()) == PGRES_TUPLES_OK ||
           PQresultStatus(result.get()) == PGRES_COMMAND_OK));
  if (PQntuples(result.get()) == 0) return "";
  return PQgetvalue(result.get(), 0, 0);
}

TEST_CASE("Stores opened together on an empty database migrate it once", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  constexpr int kReplicas = 3;
  std::vector<Status> opened(kReplicas);
  std::vector<std::unique_ptr<Store>> stores(kReplicas);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < kReplicas) std::this_thread::yield();  // start as close together as we can
      auto store = OpenPostgresStore(conninfo, clock);
      opened[i] = store.status();
      if (store.ok()) stores[i] = std::move(store).value();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kReplicas; ++i) {
    INFO(opened[i].ToString());
    CHECK(opened[i].ok());
  }
  const std::string latest = std::to_string(LatestPostgresSchemaVersion());
  CHECK(Scalar(conninfo, "SELECT max(version) FROM subkeeper_schema") == latest);
  // One row per migration: nobody applied one twice.
  CHECK(Scalar(conninfo, "SELECT count(*) FROM subkeeper_schema") == latest);
  for (auto& store : stores) {
    if (store) CHECK(store->CheckWritable().ok());
  }
}

TEST_CASE("A database with a newer schema than this build is refused", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  REQUIRE(OpenPostgresStore(conninfo, clock).ok());
  Scalar(conninfo, "INSERT INTO subkeeper_schema (version, name) VALUES (9999, '9999_future')");
  auto reopened = OpenPostgresStore(conninfo, clock);
  CHECK(reopened.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(reopened.status().message(), Catch::Contains("9999"));
  // Nothing was changed by the refused open.
  CHECK(Scalar(conninfo, "SELECT count(*) FROM subkeeper_schema") ==
        std::to_string(LatestPostgresSchemaVersion() + 1));
}

TEST_CASE("An unreachable server is kUnavailable and the message keeps the password out",
          "[store][pg]") {
  ManualClock clock;
  // A socket directory that does not exist: the connection fails at once, no server needed.
  auto store = OpenPostgresStore(
      "host=/nonexistent/subkeeper dbname=keeper user=sk password=hunter2-secret", clock);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(store.status().message(), Catch::Contains("keeper"));
  CHECK_THAT(store.status().message(), !Catch::Contains("hunter2"));
}

TEST_CASE("Concurrent ingest on one subscription commits in seq order", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  auto opened = OpenPostgresStore(conninfo, clock);
  REQUIRE(opened.ok());
  Store& store = **opened;
  // Writers insert while a reader keeps checking that what it sees of the subscription is a
  // prefix of the final order: a later seq visible before an earlier one would show as a seq
  // that appears between two seqs already seen.
  constexpr int kWriters = 4;
  constexpr int kEach = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        EventRecord e;
        e.uuid = std::to_string(w) + "-" + std::to_string(i);
        e.account = "main";
        e.name = "sms";
        e.body = "{}";
        if (!store.InsertEvents({e}).ok()) ++failures;
      }
    });
  }
  std::vector<int64_t> seen_before;
  bool prefix = true;
  std::thread reader([&] {
    while (!done) {
      auto events = store.ListEvents("main", "sms", std::nullopt, 0);
      if (!events.ok()) continue;
      std::vector<int64_t> seqs;
      for (const EventRecord& e : *events) seqs.push_back(e.seq);
      // What was seen before must still be the start of what is seen now.
      for (size_t i = 0; i < seen_before.size(); ++i) {
        if (i >= seqs.size() || seqs[i] != seen_before[i]) prefix = false;
      }
      seen_before = std::move(seqs);
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(prefix);
  CHECK(store.ListEvents("main", "sms", std::nullopt, 0).value().size() == kWriters * kEach);
}

}  // namespace
}  // namespace subkeeper::store

namespace subkeeper::store {
namespace {

TEST_CASE("Replicas rewriting the webhook secrets at once take turns", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  auto a = OpenPostgresStore(conninfo, clock);
  auto b = OpenPostgresStore(conninfo, clock);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const std::vector<Secret> from_a = {Secret("secret-a-new"), Secret("secret-a-old")};
  const std::vector<Secret> from_b = {Secret("secret-b-new"), Secret("secret-b-old"),
                                      Secret("secret-b-oldest")};
  std::atomic<int> failures{0};
  auto writer = [&](Store& store, const std::vector<Secret>& secrets) {
    for (int i = 0; i < 50; ++i) {
      if (!store.PutWebhookSecrets(secrets).ok()) ++failures;
    }
  };
  std::thread ta(writer, std::ref(**a), std::cref(from_a));
  std::thread tb(writer, std::ref(**b), std::cref(from_b));
  ta.join();
  tb.join();
  CHECK(failures == 0);
  // One writer's list whole, never a mix.
  auto stored = (*a)->ListWebhookSecrets();
  REQUIRE(stored.ok());
  CHECK((*stored == from_a || *stored == from_b));
}

TEST_CASE("PostgreSQL skips a rate block of a group this build does not know", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  auto opened = OpenPostgresStore(conninfo, clock);
  REQUIRE(opened.ok());
  const WallTime until = clock.Now() + std::chrono::minutes(1);
  REQUIRE((*opened)->SaveRateBlock({"main", platform::RateGroup::kAuth, until}).ok());
  Scalar(conninfo, ("INSERT INTO rate_blocks (account, grp, until) VALUES ('main', "
                    "'no-such-group', " +
                    std::to_string(ToUnixMillis(until)) + ")")
                       .c_str());
  auto blocks = (*opened)->LoadRateBlocks(clock.Now());
  REQUIRE(blocks.ok());
  CHECK(*blocks == std::vector<platform::RateBlock>{{"main", platform::RateGroup::kAuth, until}});
}

// `n` stores on one database, each with its own connections, as `n` keeper processes would have.
std::vector<std::unique_ptr<Store>> OpenReplicas(const std::string& conninfo, const Clock& clock,
                                                 int n) {
  std::vector<std::unique_ptr<Store>> replicas;
  for (int r = 0; r < n; ++r) {
    auto opened = OpenPostgresStore(conninfo, clock);
    REQUIRE(opened.ok());
    replicas.push_back(std::move(opened).value());
  }
  return replicas;
}

TEST_CASE("Replicas claiming one account at once: exactly one holds each round", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  // Three replicas, each its own store and connections, as three processes would have.
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<Store>> replicas = OpenReplicas(conninfo, clock, kReplicas);
  // Each round starts after the previous claim lapsed; all replicas claim at the same `now`.
  constexpr int kRounds = 20;
  const WallTime t0 = FromUnixMillis(1'700'000'000'000);
  std::atomic<int> errors{0};
  std::vector<int> winners(kRounds, 0);
  std::vector<std::vector<int64_t>> epochs(kRounds);
  std::mutex mu;
  for (int round = 0; round < kRounds; ++round) {
    const WallTime now = t0 + std::chrono::seconds(60 * round);
    std::vector<std::thread> threads;
    for (int r = 0; r < kReplicas; ++r) {
      threads.emplace_back([&, r] {
        auto got = replicas[r]->TryClaimAccount("main", "replica-" + std::to_string(r), now,
                                                now + std::chrono::seconds(30));
        std::lock_guard<std::mutex> lock(mu);
        if (!got.ok()) {
          ++errors;
        } else if (got->has_value()) {
          ++winners[round];
          epochs[round].push_back((*got)->epoch);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  CHECK(errors == 0);
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    REQUIRE(winners[round] == 1);
    CHECK(epochs[round][0] == round + 1);  // one new holder per round, epochs in order
  }
}

TEST_CASE("A fenced write racing a takeover lands only if it committed first", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  auto a_opened = OpenPostgresStore(conninfo, clock);
  auto b_opened = OpenPostgresStore(conninfo, clock);
  REQUIRE(a_opened.ok());
  REQUIRE(b_opened.ok());
  Store& a = **a_opened;
  Store& b = **b_opened;
  const WallTime t0 = FromUnixMillis(1'700'000'000'000);
  constexpr int kRounds = 30;
  int landed_stale = 0;
  for (int round = 0; round < kRounds; ++round) {
    const WallTime now = t0 + std::chrono::seconds(100 * round);
    // a holds the claim (a new epoch each round), then lapses; b takes over while a writes.
    auto held = a.TryClaimAccount("main", "replica-a", now, now + std::chrono::seconds(30));
    REQUIRE(held.ok());
    REQUIRE(held->has_value());
    const int64_t a_epoch = (*held)->epoch;
    platform::AccountSnapshot mine;
    mine.account = "main";
    mine.refresh_token = Secret("from-a-" + std::to_string(round));
    Result<bool> a_wrote = false;
    Result<std::optional<AccountClaim>> b_took = std::optional<AccountClaim>();
    std::thread writer([&] { a_wrote = a.SaveAccountFenced(mine, a_epoch); });
    std::thread taker([&] {
      b_took = b.TryClaimAccount("main", "replica-b", now + std::chrono::seconds(31),
                                 now + std::chrono::seconds(61));
    });
    writer.join();
    taker.join();
    REQUIRE(a_wrote.ok());
    REQUIRE(b_took.ok());
    REQUIRE(b_took->has_value());
    // b now writes its own pair under its epoch; whatever a did, b's pair is what stays.
    platform::AccountSnapshot theirs = mine;
    theirs.refresh_token = Secret("from-b-" + std::to_string(round));
    auto b_wrote = b.SaveAccountFenced(theirs, (*b_took)->epoch);
    REQUIRE(b_wrote.ok());
    CHECK(*b_wrote);
    // a retries its write after the takeover: always refused now.
    auto a_late = a.SaveAccountFenced(mine, a_epoch);
    REQUIRE(a_late.ok());
    CHECK_FALSE(*a_late);
    landed_stale += *a_late ? 1 : 0;
    auto loaded = a.LoadAccounts();
    REQUIRE(loaded.ok());
    REQUIRE(loaded->size() == 1);
    CHECK((*loaded)[0].refresh_token.Reveal() == "from-b-" + std::to_string(round));
    // Free the account for the next round.
    REQUIRE(b.ReleaseClaim("main", (*b_took)->epoch).ok());
  }
  CHECK(landed_stale == 0);
}

TEST_CASE("Replicas spending one account's budget at once never exceed its limit", "[store][pg]") {
  const std::string conninfo = testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ManualClock clock;
  constexpr int kReplicas = 3;
  std::vector<std::unique_ptr<Store>> replicas = OpenReplicas(conninfo, clock, kReplicas);
  const WallTime t0 = FromUnixMillis(1'700'000'000'000);
  // Each replica tries 4 requests of a group limited to 5 a minute, all at once.
  std::atomic<int> spent{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    threads.emplace_back([&, r] {
      for (int i = 0; i < 4; ++i) {
        auto wait = replicas[r]->SpendRequest("main", platform::RateGroup::kAuth, 5, Seconds(60),
                                              t0 + Millis(i));
        if (!wait.ok()) {
          ++errors;
        } else if (*wait == Millis(0)) {
          ++spent;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(spent == 5);
  // Refused until the first of them leaves the window, on every replica.
  auto early = replicas[0]->SpendRequest("main", platform::RateGroup::kAuth, 5, Seconds(60),
                                         t0 + Seconds(30));
  REQUIRE(early.ok());
  CHECK(*early > Millis(29'000));
  CHECK(*early <= Millis(30'000));
  auto later = replicas[1]->SpendRequest("main", platform::RateGroup::kAuth, 5, Seconds(60),
                                         t0 + Seconds(61));
  REQUIRE(later.ok());
  CHECK(*later == Millis(0));
  // Another group and another account have budgets of their own.
  auto other = replicas[2]->SpendRequest("main", platform::RateGroup::kLight, 5, Seconds(60),
                                         t0 + Seconds(30));
  REQUIRE(other.ok());
  CHECK(*other == Millis(0));
}

}  // namespace
}  // namespace subkeeper::store
