// The command line as a user meets it, against the built binary: usage errors and their exit
// codes, --json outputs, plan against a platform that is down, paths relative to the config
// file, and start-up errors in the JSON log format.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

std::string Quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `subkeeper <args>` started from the working directory `cwd` with `env` ("NAME=value") added:
// through /bin/sh, since Process::Start runs in the test's own directory and environment.
CliRun RunFrom(const Scenario& s, const std::string& cwd, const std::vector<std::string>& env,
               const std::vector<std::string>& args) {
  static int runs = 0;
  const std::string base = s.dir() + "/shell-" + std::to_string(++runs);
  std::string script = "cd " + Quote(cwd) + " && exec env";
  for (const auto& pair : env) script += " " + Quote(pair);
  script += " " + Quote(SUBKEEPER_BIN);
  for (const auto& arg : args) script += " " + Quote(arg);
  std::string error;
  auto process = Process::Start("/bin/sh", {"-c", script}, base + ".out", base + ".err", &error);
  INFO(script << ": " << error);
  REQUIRE(process.has_value());
  REQUIRE(process->WaitExit(60s));
  CliRun run;
  run.out = ReadFile(base + ".out").value_or("");
  run.err = ReadFile(base + ".err").value_or("");
  const auto status = process->wait_status();
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  return run;
}

std::string WriteFile(const Scenario& s, const std::string& name, const std::string& text) {
  const std::string path = s.dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// `text` with every occurrence of `from` replaced; REQUIREs at least one.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  REQUIRE(text.find(from) != std::string::npos);
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A loopback port nothing listens on for as long as this lives: bound, never listening, so a
// connection is refused at once.
class DeadPort {
 public:
  DeadPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~DeadPort() { ::close(fd_); }
  DeadPort(const DeadPort&) = delete;
  DeadPort& operator=(const DeadPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

json ParseJson(const CliRun& run) {
  INFO("exit " << run.exit_code << "\nout: " << run.out << "\nerr: " << run.err);
  json doc = json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  CHECK_FALSE(doc.is_discarded());
  return doc;
}

// Every non-empty line of `text` is a JSON log record.
void CheckAllJsonLines(const std::string& text) {
  std::istringstream lines(text);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    INFO(line);
    const json record = json::parse(line, nullptr, false);
    REQUIRE(record.is_object());
    CHECK(record["level"].is_string());
    CHECK(record["message"].is_string());
    ++count;
  }
  CHECK(count > 0);
}

Scenario Offline() {
  ScenarioOptions options;
  options.start_keeper = false;
  return Scenario(options);
}

}  // namespace

TEST_CASE("usage errors exit 2 and name what was wrong", "[integration]") {
  Scenario s = Offline();
  const std::string config = WriteFile(s, "usage.yaml", s.ConfigText(s.Specs(), 0));
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  const std::vector<Case> cases = {
      {{"check", "-c", config, "--dead"}, "--dead"},
      {{"run", "-c", config, "--dead"}, "--dead"},
      {{"history", "-c", config, "--limit", "10abc"}, "--limit"},
      {{"history", "-c", config, "--limit=99999999999"}, "--limit"},
      {{"renew", "-c", config, "sms", "--wait", "-1"}, "--wait"},
      {{"nosuch"}, "unknown command 'nosuch'"},
      {{"help", "nosuch"}, "unknown command 'nosuch'"},
      {{}, "usage: subkeeper <command>"},
  };
  for (const auto& c : cases) {
    const CliRun run = s.RunCli(c.args);
    INFO(json(c.args).dump() << ": exit " << run.exit_code << "\nout: " << run.out
                             << "\nerr: " << run.err);
    CHECK(run.exit_code == 2);
    CHECK(run.out.empty());
    CHECK(run.err.find(c.named) != std::string::npos);
  }
  // --opt=value is --opt value: a valid config checked both ways.
  const CliRun equals = s.RunCli({"check", "--config=" + config});
  CHECK(equals.exit_code == 0);
  CHECK(equals.out == s.RunCli({"check", "--config", config}).out);
  // help exits 0 on stdout, for every command and both spellings.
  for (const std::string command : {"plan", "generate-secret"}) {
    const CliRun word = s.RunCli({"help", command});
    CHECK(word.exit_code == 0);
    CHECK(word.out.find("usage: subkeeper " + command) == 0);
    CHECK(word.out.find("\nexit: ") != std::string::npos);
    CHECK(word.out == s.RunCli({command, "--help"}).out);
  }
}

TEST_CASE("check and generate-secret print JSON with --json", "[integration]") {
  Scenario s = Offline();
  const std::string good = WriteFile(s, "good.yaml", s.ConfigText(s.Specs(), 0));
  const json valid = ParseJson(s.RunCli({"check", "-c", good, "--json"}));
  CHECK(valid["valid"] == true);
  CHECK(valid["subscriptions"] == 1);

  const std::string bad = WriteFile(s, "bad.yaml", s.ConfigText(s.Specs(), 0) + "bogus_key: 1\n");
  const CliRun invalid_run = s.RunCli({"check", "-c", bad, "--json"});
  CHECK(invalid_run.exit_code == 1);
  const json invalid = ParseJson(invalid_run);
  CHECK(invalid["valid"] == false);
  REQUIRE(invalid["problems"].is_array());
  CHECK(invalid["problems"][0].get<std::string>().find("bogus_key") != std::string::npos);

  const CliRun missing = s.RunCli({"check", "-c", s.dir() + "/none.yaml", "--json"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err.find("cannot read config file") != std::string::npos);

  const CliRun text = s.RunCli({"generate-secret"});
  CHECK(text.exit_code == 0);
  CHECK(std::regex_match(text.out, std::regex("whsec_[A-Za-z0-9+/]{43}=\n")));
  const json secret = ParseJson(s.RunCli({"generate-secret", "--json"}));
  REQUIRE(secret["secret"].is_string());
  CHECK(secret["secret"].get<std::string>().rfind("whsec_", 0) == 0);
  CHECK(secret["secret"].get<std::string>() + "\n" != text.out);  // fresh every time
}

TEST_CASE("plan against a platform that is down says so and never 'No changes.'", "[integration]") {
  Scenario s = Offline();
  DeadPort dead;
  // No database yet either: a first run, planned without creating one.
  std::string text = s.ConfigText(s.Specs(), 0);
  text = Replaced(text, "http://127.0.0.1:" + std::to_string(s.emulator_port()),
                  "http://127.0.0.1:" + std::to_string(dead.port()));
  text = Replaced(text, s.db_path(), s.dir() + "/fresh.db");
  const std::string config = WriteFile(s, "down.yaml", text);
  for (const bool detailed : {false, true}) {
    std::vector<std::string> args = {"plan", "-c", config};
    if (detailed) args.push_back("--detailed-exitcode");
    const CliRun run = s.RunCli(args, 60s);
    INFO("exit " << run.exit_code << "\nout: " << run.out << "\nerr: " << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("No changes") == std::string::npos);
    CHECK(run.out.find("Note: no database at " + s.dir() + "/fresh.db") == 0);
    CHECK(run.out.find("Error: account main could not be observed") != std::string::npos);
    CHECK(run.out.find("Plan incomplete: 1 account(s) not observed.") != std::string::npos);
    CHECK(run.err.find("list failed: main") != std::string::npos);
  }
  const json doc = ParseJson(s.RunCli({"plan", "-c", config, "--json"}, 60s));
  CHECK(doc["complete"] == false);
  CHECK(doc["first_run"] == true);
  CHECK(doc["unavailable_accounts"] == json::array({"main"}));
  CHECK(doc["errors"].size() == 1);
  CHECK_FALSE(std::filesystem::exists(s.dir() + "/fresh.db"));
}

TEST_CASE("history and plan find the database relative to the config file from any directory",
          "[integration]") {
  ScenarioOptions options;
  Scenario s(options);
  REQUIRE_FALSE(s.WaitForActive(20s).empty());
  // The keeper's database, named relative to the config copy beside it.
  const std::string text = s.ConfigText(s.Specs(), s.webhooks_port());
  const std::string relative =
      WriteFile(s, "relative.yaml", Replaced(text, "\"" + s.db_path() + "\"", "subkeeper.db"));
  const std::string elsewhere = s.dir() + "/elsewhere";
  std::filesystem::create_directory(elsewhere);

  const CliRun history = RunFrom(s, elsewhere, {}, {"history", "-c", relative, "--json"});
  CHECK(history.exit_code == 0);
  const json rows = ParseJson(history);
  REQUIRE(rows.is_array());
  CHECK(std::any_of(rows.begin(), rows.end(), [](const json& row) {
    return row["kind"] == "created" && row["name"] == "sms";
  }));
  const CliRun plan = RunFrom(s, elsewhere, {}, {"plan", "-c", relative});
  INFO("plan: " << plan.out << plan.err);
  CHECK(plan.exit_code == 0);
  CHECK(plan.out == "No changes.\n");  // the keeper's records, not a first run

  // A database that does not exist is reported, and neither command creates it.
  const std::string missing =
      WriteFile(s, "missing.yaml", Replaced(text, "\"" + s.db_path() + "\"", "nothere.db"));
  const CliRun none = RunFrom(s, elsewhere, {}, {"history", "-c", missing});
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());
  CHECK(none.err.find("no database at " + s.dir() +
                      "/nothere.db; the keeper creates it when it "
                      "first runs") != std::string::npos);
  const CliRun first = RunFrom(s, elsewhere, {}, {"plan", "-c", missing, "--detailed-exitcode"});
  CHECK(first.exit_code == 2);  // everything to adopt or create
  CHECK(first.out.find("Note: no database at ") == 0);
  CHECK_FALSE(std::filesystem::exists(s.dir() + "/nothere.db"));
  CHECK(std::filesystem::is_empty(elsewhere));
}

TEST_CASE("run reports start-up errors as JSON lines when the log format is json",
          "[integration]") {
  Scenario s = Offline();
  // log.format read from a config that parses but does not validate.
  std::string text = s.ConfigText(s.Specs(), 0);
  text = Replaced(text, "log:\n", "log:\n  format: json\n") + "bogus_key: 1\nother_bogus: 2\n";
  const std::string invalid = WriteFile(s, "invalid-json-log.yaml", text);
  const CliRun run = s.RunCli({"run", "-c", invalid});
  INFO("err: " << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  CheckAllJsonLines(run.err);
  CHECK(run.err.find("bogus_key") != std::string::npos);
  CHECK(run.err.find("other_bogus") != std::string::npos);

  // A config that cannot be read: the format from the environment or the flag.
  const std::string none = s.dir() + "/none.yaml";
  const CliRun env = RunFrom(s, s.dir(), {"SUBKEEPER_LOG_FORMAT=json"}, {"run", "-c", none});
  CHECK(env.exit_code == 1);
  CheckAllJsonLines(env.err);
  CHECK(env.err.find("cannot read config file") != std::string::npos);
  const CliRun flag = s.RunCli({"run", "-c", none, "--log-format=json"});
  CHECK(flag.exit_code == 1);
  CheckAllJsonLines(flag.err);
  // The flag wins over the environment; text is plain.
  const CliRun text_run = RunFrom(s, s.dir(), {"SUBKEEPER_LOG_FORMAT=json"},
                                  {"run", "-c", none, "--log-format", "text"});
  CHECK(text_run.exit_code == 1);
  CHECK(text_run.err.rfind("cannot read config file", 0) == 0);
}

TEST_CASE("run writes the run-state file 0600 once listening and removes it when it stops",
          "[integration]") {
  ScenarioOptions options;
  Scenario s(options);
  const std::string path = s.state_file();
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::optional<std::string> text = ReadFile(path);
  REQUIRE(text.has_value());
  const std::optional<json> state = json::parse(*text);
  CHECK(state->at("webhooks") == s.webhooks_port());
  CHECK(state->at("admin") == s.admin_port());
  CHECK(state->at("admin_url") == "http://127.0.0.1:" + std::to_string(s.admin_port()));
  CHECK(state->at("pid").get<long>() > 0);
  // status finds the admin listener (port 0 in the config) through the file.
  const CliRun status = RunFrom(s, s.dir(), {}, {"status", "-c", s.config_path(), "--json"});
  INFO(status.err);
  CHECK(status.exit_code == 0);
  s.StopKeeper();
  CHECK_FALSE(std::filesystem::exists(path));
}

}  // namespace subkeeper::testing
