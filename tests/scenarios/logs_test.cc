// Logs: JSON lines that never carry a secret, whatever the config, the platform or a failed
// reload puts in front of the keeper.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "subkeeper/common/crypto.h"
#include "support/scenario.h"
#include "support/secret_fragments.h"

namespace subkeeper::testing {
namespace {

constexpr char kTokenPath[] = "/restapi/oauth/token";
constexpr char kSubscriptionPath[] = "/restapi/v1.0/subscription";

std::string KeeperLog(const Scenario& s) {
  std::ifstream in(s.dir() + "/keeper.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("JSON log records name their account, subscription and remote id as fields",
          "[integration]") {
  ScenarioOptions options;
  // "warning" is the name records carry, and the config takes it.
  options.log_section = "  level: warning\n  format: json\n  modules:\n    renewal: info\n";
  Scenario s(options);
  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());
  nlohmann::json created;
  REQUIRE(WaitFor(
      [&] {
        std::istringstream lines(KeeperLog(s));
        for (std::string line; std::getline(lines, line);) {
          auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
          if (record.is_object() && record.value("module", "") == "renewal" &&
              record.value("message", "").starts_with("created as ")) {
            created = record;
            return true;
          }
        }
        return false;
      },
      10s));
  INFO(created.dump());
  CHECK(created["level"] == "info");
  CHECK(created["account"] == "main");
  CHECK(created["subscription"] == "sms");
  CHECK(created["remote_id"] == id);
  // The keeper module stays at warning: its info records (e.g. "subkeeper ready") are not written.
  CHECK(KeeperLog(s).find("subkeeper ready") == std::string::npos);
}

TEST_CASE("the JSON log carries no secret from config platform answers or errors",
          "[integration]") {
  ScenarioOptions options;
  options.log_section = "  level: trace\n  format: json\n";
  options.start_keeper = false;
  Scenario s(options);
  // A careless gateway: the first login and the first create fail with the request's
  // Authorization header and body quoted in the error message.
  for (const char* path : {kTokenPath, kSubscriptionPath}) {
    REQUIRE(s.EmulatorPost("/_emulator/faults", {{"kind", "status"},
                                                 {"count", 1},
                                                 {"method", "POST"},
                                                 {"pathPrefix", path},
                                                 {"status", 503},
                                                 {"echoRequest", true}})
                .status == 200);
  }
  s.StartKeeper();
  REQUIRE_FALSE(s.WaitForActive(30s).empty());
  CHECK(s.EmulatorPost("/_emulator/subscriptions/" + s.View()->value("remote_id", "") + "/notify")
            .Json()["status"] == 200);

  // A reload whose config puts the webhook secret where it does not belong is refused.
  std::string text = s.ConfigText(s.Specs(), 0);
  const std::string secret_line = "webhook_secret: \"" + s.webhook_secret() + "\"";
  REQUIRE(text.find(secret_line) != std::string::npos);
  text.replace(text.find(secret_line), secret_line.size(),
               "webhook_secret: [\"" + s.webhook_secret() + "\"]");
  s.ReplaceConfig(text);
  s.SignalKeeper(SIGHUP);
  REQUIRE(WaitFor([&] { return KeeperLog(s).find("configuration refused") != std::string::npos; },
                  15s));

  std::string access_token, refresh_token;
  {
    SQLite::Database db(s.db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT access_token, refresh_token FROM accounts");
    REQUIRE(q.executeStep());
    access_token = q.getColumn(0).getString();
    refresh_token = q.getColumn(1).getString();
  }
  REQUIRE_FALSE(access_token.empty());
  s.StopKeeper();

  const std::string log = KeeperLog(s);
  // The echoed answers were logged, scrubbed: the test would pass vacuously otherwise.
  CHECK(log.find("rejected request") != std::string::npos);
  CHECK(log.find("[redacted]") != std::string::npos);
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"client secret", "demo-secret"},
      {"client credentials (Basic)", Base64Encode(std::string("demo-client:demo-secret"))},
      {"JWT", "scenario-jwt-assertion"},
      {"webhook secret", s.webhook_secret()},
      {"signing secret", std::string(kScenarioSigningSecret).substr(6)},
      {"verification token", s.verification_token()},
      {"access token", access_token},
      {"refresh token", refresh_token},
  };
  for (const auto& [what, value] : secrets) {
    if (value.empty()) continue;
    INFO(what);
    CHECK(log.find(value) == std::string::npos);
  }
  // Every line but the fixture's markers is one JSON object with a module.
  std::istringstream lines(log);
  int records = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("=== scenario")) continue;
    INFO(line);
    const json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    REQUIRE(record.is_object());
    CHECK(record.contains("module"));
    CHECK(record.contains("time"));
    ++records;
  }
  CHECK(records > 5);
}

TEST_CASE("a long JWT echoed in a platform error leaves no piece anywhere it is shown",
          "[integration]") {
  // Longer than every cut. The echoed message puts it ~150 bytes in: cut at 200 before
  // redaction, its first ~50 characters used to reach last_error, status and history.
  const std::string jwt = LongJwt(1500);
  ScenarioOptions options;
  options.jwt = jwt;
  options.log_section = "  level: debug\n";
  options.start_keeper = false;
  Scenario s(options);
  REQUIRE(s.EmulatorPost("/_emulator/faults", {{"kind", "status"},
                                               {"count", 100000},
                                               {"method", "POST"},
                                               {"pathPrefix", kTokenPath},
                                               {"status", 401},
                                               {"echoRequest", true}})
              .status == 200);
  s.StartKeeper();
  // The login keeps being rejected: wait until the failure is shown.
  REQUIRE(WaitFor(
      [&] {
        return s.AdminGet("/v1/subscriptions").body.find("rejected request") != std::string::npos;
      },
      30s));
  const std::string subscriptions = s.AdminGet("/v1/subscriptions").body;
  INFO("/v1/subscriptions: " << subscriptions.substr(0, 2000));
  // Not vacuous: the echoed answer is there, redacted.
  CHECK(subscriptions.find("rejected request") != std::string::npos);
  CHECK(subscriptions.find("[redacted]") != std::string::npos);
  CHECK_FALSE(HasFragment(subscriptions, jwt));

  const CliRun status = s.RunCli({"status", "-c", s.config_path(), "--json"});
  CHECK(status.out.find("subscriptions") != std::string::npos);
  CHECK_FALSE(HasFragment(status.out + status.err, jwt));
  const CliRun one = s.RunCli({"status", "-c", s.config_path(), options.subscription});
  CHECK_FALSE(HasFragment(one.out + one.err, jwt));
  const CliRun history = s.RunCli({"history", "-c", s.config_path()});
  CHECK_FALSE(HasFragment(history.out + history.err, jwt));
  std::string stored;
  for (const auto& entry : s.History()) stored += entry.detail + "\n";
  CHECK_FALSE(HasFragment(stored, jwt));
  s.StopKeeper();
  CHECK_FALSE(HasFragment(KeeperLog(s), jwt));
}

}  // namespace
}  // namespace subkeeper::testing
