// `subkeeper migrate`: the real binary copies a keeper's SQLite file into an empty PostgreSQL
// database of the throwaway cluster (tests/support/pg_cluster.h), refuses a second copy into it,
// and never prints the connection string's password, whatever goes wrong.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "subkeeper/store/postgres_store.h"
#include "support/pg_cluster.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

constexpr const char* kPassword = "pg-hunter2-pw";

void CheckNoPassword(const CliRun& run) {
  CHECK(run.out.find(kPassword) == std::string::npos);
  CHECK(run.err.find(kPassword) == std::string::npos);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

TEST_CASE(
    "migrate copies the keeper's SQLite file into PostgreSQL once, never showing the password",
    "[integration][postgres]") {
  const std::string first_db = RequireNewPgDatabase();
  if (first_db.empty()) return;  // skipped, and said why (never under CI=true)
  const std::string second_db = RequireNewPgDatabase();
  REQUIRE_FALSE(second_db.empty());
  Scenario s;  // on SQLite
  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());
  const auto reply = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                    {{"uuid", "migrated-event-1"}, {"body", {{"n", 1}}}});
  REQUIRE(reply.Json().value("status", 0) == 200);
  s.StopKeeper();
  const std::string config = s.config_path();
  // The cluster trusts local connections, so the password is sent along and never checked.
  const std::string first = first_db + " password=" + kPassword;
  const std::string second = second_db + " password=" + kPassword;

  // From a file, as JSON.
  const std::string conninfo_file = s.dir() + "/pg-conninfo";
  WriteFile(conninfo_file, first + "\n");
  const CliRun copied =
      s.RunCli({"migrate", "-c", config, "--to-postgres-file", conninfo_file, "--json"});
  INFO("migrate --json: exit " << copied.exit_code << "\n" << copied.out << copied.err);
  CHECK(copied.exit_code == 0);
  CheckNoPassword(copied);
  const json doc = json::parse(copied.out, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["sqlite"] == s.db_path());
  CHECK(doc["tables"]["subscriptions"] == 1);
  CHECK(doc["tables"]["events"].get<int64_t>() >= 1);
  CHECK(doc["tables"]["history"].get<int64_t>() >= 1);
  CHECK(doc["tables"]["event_streams"].get<int64_t>() >= 1);

  // What the keeper stored is in PostgreSQL, read through the PostgreSQL store.
  ManualClock clock;
  auto pg = store::OpenPostgresStore(first_db, clock, store::OpenMode::kReadOnly);
  REQUIRE(pg.ok());
  auto record = (*pg)->GetSubscription("main", "sms");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->remote_id == id);
  auto events = (*pg)->ListEvents("main", "sms", std::nullopt, 0);
  REQUIRE(events.ok());
  bool found = false;
  for (const auto& e : *events) found = found || e.uuid == "migrated-event-1";
  CHECK(found);

  // A second copy into the same database is refused, and says why.
  const CliRun again = s.RunCli({"migrate", "-c", config, "--to-postgres", first});
  INFO("migrate again: exit " << again.exit_code << "\n" << again.out << again.err);
  CHECK(again.exit_code == 1);
  CHECK(again.out.empty());
  CHECK(again.err.find("not empty: table subscriptions has 1 row") != std::string::npos);
  CheckNoPassword(again);

  // Into another empty database, from the command line, as text.
  const CliRun text = s.RunCli({"migrate", "-c", config, "--to-postgres", second});
  INFO("migrate (text): exit " << text.exit_code << "\n" << text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("Copied " + s.db_path() + " into PostgreSQL database") != std::string::npos);
  CHECK(text.out.find("subscriptions") != std::string::npos);
  CheckNoPassword(text);

  // A server that cannot be reached.
  const CliRun unreachable = s.RunCli(
      {"migrate", "-c", config, "--to-postgres",
       std::string("host=/nonexistent-subkeeper-socket-dir dbname=k password=") + kPassword});
  INFO("migrate (unreachable): exit " << unreachable.exit_code << "\n" << unreachable.err);
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("cannot connect to PostgreSQL database 'k'") != std::string::npos);
  CheckNoPassword(unreachable);

  // An unquoted connection string: its words are extra arguments, and none is repeated.
  const CliRun unquoted = s.RunCli({"migrate", "-c", config, "--to-postgres", "host=/tmp",
                                    std::string("password=") + kPassword});
  INFO("migrate (unquoted): exit " << unquoted.exit_code << "\n" << unquoted.err);
  CHECK(unquoted.exit_code == 2);
  CHECK(unquoted.err.find("not expected") != std::string::npos);
  CheckNoPassword(unquoted);

  // A config on PostgreSQL already has nothing to migrate.
  std::string on_postgres = ReadFile(config);
  const size_t line = on_postgres.find("  sqlite: ");
  REQUIRE(line != std::string::npos);
  on_postgres.replace(line, on_postgres.find('\n', line) - line,
                      "  postgres: \"host=/nonexistent dbname=k\"");
  const std::string pg_config = s.dir() + "/on-postgres.yaml";
  WriteFile(pg_config, on_postgres);
  const CliRun wrong_source = s.RunCli({"migrate", "-c", pg_config, "--to-postgres", second});
  INFO("migrate (postgres config): exit " << wrong_source.exit_code << "\n" << wrong_source.err);
  CHECK(wrong_source.exit_code == 1);
  CHECK(wrong_source.err.find("names store.postgres") != std::string::npos);

  // Neither target given.
  const CliRun no_target = s.RunCli({"migrate", "-c", config});
  CHECK(no_target.exit_code == 2);
  CHECK(no_target.err.find("--to-postgres or --to-postgres-file is required") != std::string::npos);
}

}  // namespace
}  // namespace subkeeper::testing
