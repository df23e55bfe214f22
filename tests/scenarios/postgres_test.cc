// The keeper on store.postgres: the real subkeeper and the emulator, with a throwaway PostgreSQL
// cluster (tests/support/pg_cluster.h) holding everything the SQLite file would. A restart
// after SIGKILL finds its subscription and events there, and the read-only commands read it.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/pg_cluster.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

const std::string kSubscriptionPath = "/restapi/v1.0/subscription";

bool Stored(Scenario& s, const std::string& uuid) {
  for (const auto& e : s.Events()) {
    if (e.uuid == uuid) return true;
  }
  return false;
}

TEST_CASE("The keeper keeps its subscriptions and events in PostgreSQL across a SIGKILL",
          "[integration][postgres]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;  // skipped, and said why (never under CI=true)
  ScenarioOptions options;
  options.postgres = conninfo;
  Scenario s(options);

  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());
  const auto reply = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                    {{"uuid", "pg-event-1"}, {"body", {{"n", 1}}}});
  CHECK(reply.Json().value("status", 0) == 200);
  CHECK(Stored(s, "pg-event-1"));
  // Nothing went to a SQLite file beside the config.
  CHECK(access(s.db_path().c_str(), F_OK) != 0);

  s.RestartKeeper();
  // The same subscription, found in the database: no second create.
  CHECK(s.WaitForActive(30s) == id);
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  CHECK(Stored(s, "pg-event-1"));
  CHECK(s.HistoryHas("created"));

  // The read-only commands open the same database.
  const CliRun history = s.RunCli({"history", "-c", s.config_path(), "--json"});
  INFO("history: exit " << history.exit_code << "\n" << history.out << history.err);
  CHECK(history.exit_code == 0);
  CHECK(history.out.find("\"created\"") != std::string::npos);
  const CliRun plan = s.RunCli({"plan", "-c", s.config_path()});
  INFO("plan: exit " << plan.exit_code << "\n" << plan.out << plan.err);
  CHECK(plan.exit_code == 0);
  CHECK(plan.out.find("first run") == std::string::npos);  // it read what the keeper stored
}

TEST_CASE("While PostgreSQL is down the keeper is not ready and answers 503, then recovers",
          "[integration][postgres]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;
  PgCluster* cluster = RequirePgCluster();
  REQUIRE(cluster != nullptr);
  ScenarioOptions options;
  options.postgres = conninfo;
  Scenario s(options);
  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());
  REQUIRE(WaitFor([&] { return s.AdminGet("/readyz").status == 200; }, 20s, 100ms));
  const std::string notify = "/_emulator/subscriptions/" + id + "/notify";

  cluster->Crash();
  // Not ready, with the store named as the reason, and a notification is refused with 503 (the
  // platform retries it) rather than acknowledged without being stored.
  REQUIRE(WaitFor([&] { return s.AdminGet("/readyz").status == 503; }, 20s, 100ms));
  const HttpReply down = s.AdminGet("/readyz");
  INFO("readyz while down: " << down.body);
  CHECK(down.body.find("store not writable") != std::string::npos);
  const auto refused = s.EmulatorPost(notify, {{"uuid", "pg-outage-1"}, {"body", {{"n", 1}}}});
  CHECK(refused.Json().value("status", 0) == 503);

  std::string why;
  REQUIRE(cluster->Resume(&why));
  // Ready again on fresh connections, and the platform's retry of the refused event is stored.
  REQUIRE(WaitFor([&] { return s.AdminGet("/readyz").status == 200; }, 30s, 100ms));
  const auto retried = s.EmulatorPost(notify, {{"uuid", "pg-outage-1"}, {"body", {{"n", 1}}}});
  CHECK(retried.Json().value("status", 0) == 200);
  CHECK(Stored(s, "pg-outage-1"));
}

TEST_CASE("A keeper whose PostgreSQL cannot be reached says so and never names the password",
          "[integration][postgres]") {
  ScenarioOptions options;
  // A socket directory with no server in it, and a password that must not leak.
  options.postgres = "host=/nonexistent-subkeeper-socket-dir dbname=k password=pg-hunter2-pw";
  options.start_keeper = false;
  Scenario s(options);
  s.ReplaceConfig(s.ConfigText(s.Specs(), 0));
  const CliRun run = s.RunCli({"run", "-c", s.config_path()}, 20s);
  INFO("run: exit " << run.exit_code << "\n" << run.out << run.err);
  CHECK(run.exit_code != 0);
  CHECK(run.err.find("cannot connect to PostgreSQL database 'k'") != std::string::npos);
  CHECK(run.out.find("hunter2") == std::string::npos);
  CHECK(run.err.find("hunter2") == std::string::npos);
}

}  // namespace
}  // namespace subkeeper::testing
