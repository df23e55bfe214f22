// What only the PostgreSQL store has: migrations shared by replicas starting together, the
// version gate, the secrecy of the connection string, and the order of seqs under concurrent
// ingest. The contract itself is in conformance/. Every test gets a fresh database of the
// process's throwaway cluster (tests/support/pg_cluster.h), or is skipped visibly.
#include "subkeeper/store/postgres_store.h"

#include <libpq-fe.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
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
