// What argv means, without running anything: ParseCommandLine and the help texts.
#include "subkeeper/app/cli.h"

#include <catch2/catch.hpp>
#include <map>

namespace subkeeper::app {
namespace {

using Env = std::map<std::string, std::string>;

ParsedArgs Parse(const std::vector<std::string>& args, const Env& env = {}) {
  return ParseCommandLine(args, [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

CommandLine ParseOk(const std::vector<std::string>& args, const Env& env = {}) {
  ParsedArgs parsed = Parse(args, env);
  INFO("exit " << parsed.exit_code << "\nout: " << parsed.out << "\nerr: " << parsed.err);
  REQUIRE(parsed.command.has_value());
  CHECK(parsed.err.empty());
  return *parsed.command;
}

// A usage error: exit 2, nothing on stdout, a message naming `what` on stderr.
void CheckUsageError(const std::vector<std::string>& args, const std::string& what) {
  ParsedArgs parsed = Parse(args);
  std::string joined;
  for (const auto& arg : args) joined += arg + " ";
  INFO(joined << "\nerr: " << parsed.err);
  CHECK_FALSE(parsed.command.has_value());
  CHECK(parsed.exit_code == 2);
  CHECK(parsed.out.empty());
  CHECK_THAT(parsed.err, Catch::Contains(what));
  CHECK_THAT(parsed.err, Catch::Contains("--help"));
}

const std::vector<std::string> kCommands = {"run",     "check",          "plan",  "apply",
                                            "status",  "history",        "renew", "replay",
                                            "migrate", "generate-secret"};

TEST_CASE("each command gets its own options", "[app][cli]") {
  CommandLine plan = ParseOk({"plan", "-c", "a.yaml", "--json", "--detailed-exitcode"});
  CHECK(plan.command == Command::kPlan);
  CHECK(plan.config == "a.yaml");
  CHECK(plan.json);
  CHECK(plan.detailed_exitcode);

  CommandLine history = ParseOk({"history", "--account", "main", "--limit", "5", "sms"});
  CHECK(history.command == Command::kHistory);
  CHECK(history.account == "main");
  CHECK(history.limit == 5);
  CHECK(history.name == "sms");
  CHECK_FALSE(history.json);

  CommandLine replay = ParseOk({"replay", "--dead", "--since", "30m", "--json", "sms"});
  CHECK(replay.command == Command::kReplay);
  CHECK(replay.dead);
  CHECK(replay.since == "30m");
  CHECK(replay.json);
  CHECK(replay.name == "sms");

  CommandLine renew = ParseOk({"renew", "sms", "--wait", "7"});
  CHECK(renew.command == Command::kRenew);
  CHECK(renew.wait_s == 7);

  CommandLine run = ParseOk({"run", "--state-file", "/tmp/p.json"});
  CHECK(run.command == Command::kRun);
  CHECK(run.state_file == "/tmp/p.json");
  // The older name keeps working for scripts that use it.
  CHECK(ParseOk({"run", "--port-file", "/tmp/q.json"}).state_file == "/tmp/q.json");

  CommandLine secret = ParseOk({"generate-secret", "--json"});
  CHECK(secret.command == Command::kGenerateSecret);
  CHECK(secret.json);
  CHECK(secret.config.empty());

  // A NAME that happens to be a command's name is still the NAME.
  CHECK(ParseOk({"history", "run"}).name == "run");
}

TEST_CASE("an option's value may follow = or a space", "[app][cli]") {
  CommandLine a = ParseOk({"history", "--config=x.yaml", "--account=main", "--limit=10"});
  CommandLine b = ParseOk({"history", "--config", "x.yaml", "--account", "main", "--limit", "10"});
  CHECK(a.config == "x.yaml");
  CHECK(a.account == "main");
  CHECK(a.limit == 10);
  CHECK(b.config == a.config);
  CHECK(b.account == a.account);
  CHECK(b.limit == a.limit);
  CHECK(ParseOk({"run", "--log-format=json"}).log_format == "json");
}

TEST_CASE("an option a command does not take is a usage error", "[app][cli]") {
  CheckUsageError({"check", "--dead"}, "--dead");
  CheckUsageError({"run", "--dead"}, "--dead");
  CheckUsageError({"check", "--detailed-exitcode"}, "--detailed-exitcode");
  CheckUsageError({"run", "--json"}, "--json");
  CheckUsageError({"status", "--limit", "5"}, "--limit");
  CheckUsageError({"generate-secret", "-c", "x.yaml"}, "-c");
  CheckUsageError({"renew", "--bogus", "sms"}, "--bogus");
  CheckUsageError({"plan", "extra"}, "extra");
  // The message says which command's help to read.
  CHECK_THAT(Parse({"check", "--dead"}).err, Catch::Contains("subkeeper check --help"));
}

TEST_CASE("numbers are whole decimals in range, named when not", "[app][cli]") {
  for (const char* bad :
       {"10abc", "-1", "0", "", "0x10", "1e3", "+5", " 5", "2147483648", "99999999999999999999"}) {
    CheckUsageError({"history", "--limit", bad}, "--limit");
    CheckUsageError({"renew", "sms", "--wait", bad}, "--wait");
  }
  CheckUsageError({"renew", "sms", "--wait", "86401"}, "--wait");
  CheckUsageError({"history", "--limit"}, "--limit");
  CHECK(ParseOk({"history", "--limit", "010"}).limit == 10);  // decimal, not octal
  CHECK(ParseOk({"history", "--limit", "2147483647"}).limit == 2147483647);
  CHECK(ParseOk({"renew", "sms", "--wait", "86400"}).wait_s == 86400);
}

TEST_CASE("replay --since and run --log-format are checked while parsing", "[app][cli]") {
  CheckUsageError({"replay", "--since", "yesterday"}, "--since");
  CheckUsageError({"run", "--log-format", "xml"}, "--log-format");
  CHECK(ParseOk({"replay", "--since", "2026-11-22T08:00:00Z"}).since == "2026-11-22T08:00:00Z");
}

TEST_CASE("renew needs its NAME, and an unknown option is named first", "[app][cli]") {
  CheckUsageError({"renew"}, "NAME is required");
  CheckUsageError({"renew", "--bogus"}, "--bogus");
}

TEST_CASE("migrate takes one target and never repeats a connection string", "[app][cli]") {
  CommandLine inline_target =
      ParseOk({"migrate", "-c", "a.yaml", "--to-postgres", "host=/run/pg dbname=k", "--json"});
  CHECK(inline_target.command == Command::kMigrate);
  CHECK(inline_target.to_postgres == "host=/run/pg dbname=k");
  CHECK(inline_target.to_postgres_file.empty());
  CHECK(inline_target.json);
  CHECK(ParseOk({"migrate", "--to-postgres-file=/run/secrets/pg"}).to_postgres_file ==
        "/run/secrets/pg");

  CheckUsageError({"migrate"}, "--to-postgres or --to-postgres-file is required");
  CheckUsageError({"migrate", "--to-postgres", "dbname=k", "--to-postgres-file", "f"}, "not both");
  CheckUsageError({"migrate", "--to-postgres", ""}, "--to-postgres must not be empty");
  CheckUsageError({"migrate", "--bogus"}, "--bogus");
  // Unquoted, the words after the first are extra arguments; a misspelled option takes its
  // value along. Neither is repeated.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"migrate", "--to-postgres", "host=/x", "password=hunter2-pw"},
        std::vector<std::string>{"migrate", "--to-postgress=host=/x password=hunter2-pw"},
        std::vector<std::string>{"migrate", "--to-postgres", "host=/x", "hunter2-pw"}}) {
    CheckUsageError(args, "not shown");
    CHECK_THAT(Parse(args).err, !Catch::Contains("hunter2"));
  }
}

TEST_CASE("the config comes from -c, else SUBKEEPER_CONFIG, else /etc", "[app][cli]") {
  CHECK(ParseOk({"plan"}).config == "/etc/subkeeper/subkeeper.yaml");
  CHECK(ParseOk({"plan"}, {{"SUBKEEPER_CONFIG", "/env.yaml"}}).config == "/env.yaml");
  CHECK(ParseOk({"plan", "-c", "/flag.yaml"}, {{"SUBKEEPER_CONFIG", "/env.yaml"}}).config ==
        "/flag.yaml");
}

TEST_CASE("run's log format: --log-format, else SUBKEEPER_LOG_FORMAT, else the config's",
          "[app][cli]") {
  CHECK(ParseOk({"run"}).log_format.empty());
  CHECK(ParseOk({"run"}, {{"SUBKEEPER_LOG_FORMAT", "json"}}).log_format == "json");
  CHECK(ParseOk({"run", "--log-format", "text"}, {{"SUBKEEPER_LOG_FORMAT", "json"}}).log_format ==
        "text");
  ParsedArgs bad = Parse({"run"}, {{"SUBKEEPER_LOG_FORMAT", "yaml"}});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("SUBKEEPER_LOG_FORMAT"));
  // Only run logs before its config loads; other commands ignore the variable.
  CHECK(ParseOk({"plan"}, {{"SUBKEEPER_LOG_FORMAT", "yaml"}}).log_format.empty());
}

TEST_CASE("help, unknown commands and --version", "[app][cli]") {
  for (const auto& command : kCommands) {
    INFO(command);
    ParsedArgs flag = Parse({command, "--help"});
    CHECK_FALSE(flag.command.has_value());
    CHECK(flag.exit_code == 0);
    CHECK_THAT(flag.out, Catch::StartsWith("usage: subkeeper " + command));
    CHECK(flag.err.empty());
    ParsedArgs word = Parse({"help", command});
    CHECK(word.exit_code == 0);
    CHECK(word.out == flag.out);
  }
  // --help wins over a missing required NAME.
  CHECK(Parse({"renew", "-h"}).exit_code == 0);

  ParsedArgs top = Parse({"--help"});
  CHECK(top.exit_code == 0);
  CHECK_THAT(top.out, Catch::StartsWith("usage: subkeeper <command>"));
  CHECK(Parse({"help"}).out == top.out);

  ParsedArgs none = Parse({});
  CHECK(none.exit_code == 2);
  CHECK(none.out.empty());
  CHECK_THAT(none.err, Catch::StartsWith("usage: subkeeper <command>"));

  CheckUsageError({"help", "nosuch"}, "unknown command 'nosuch'");
  CheckUsageError({"nosuch"}, "unknown command 'nosuch'");
  CheckUsageError({"nosuch", "--json"}, "unknown command 'nosuch'");

  ParsedArgs version = Parse({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out == std::string("subkeeper ") + SUBKEEPER_VERSION + "\n");
}

TEST_CASE("every command's help lists each option it takes and its exit codes", "[app][cli]") {
  for (const auto& command : kCommands) {
    INFO(command);
    const auto help = HelpText(command);
    REQUIRE(help.has_value());
    CHECK_THAT(*help, Catch::Contains("\nexit: "));
    const auto options = OptionNames(command);
    CHECK_FALSE(options.empty());
    for (const auto& option : options) {
      INFO(option);
      if (option == "--help") continue;
      // -c/--config is described once in the program's help; each usage line shows -c.
      if (option == "--config") {
        CHECK_THAT(*help, Catch::Contains("[-c FILE]"));
        continue;
      }
      CHECK_THAT(*help, Catch::Contains(option));
    }
  }
  CHECK_FALSE(HelpText("nosuch").has_value());
  CHECK(OptionNames("nosuch").empty());
}

}  // namespace
}  // namespace subkeeper::app
