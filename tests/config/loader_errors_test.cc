// Environment expansion, *_file secrets, and how problems are reported: file and line, all of
// them at once, and never a secret value.
#include <catch2/catch.hpp>

#include "config/test_util.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config {
namespace {

using testing::Doc;
using testing::ErrorOf;
using testing::FakeWorld;
using testing::Sub;

constexpr const char* kEnvDoc = R"(platform:
  client_id: ${RC_CLIENT_ID}
  client_secret: pre-${RC_SECRET}-post
  request_timeout_ms: ${TIMEOUT_MS}
webhook_secret: $${NOT_A_VAR}
accounts:
  - name: main
    jwt: ${RC_JWT}
)";

TEST_CASE("${VAR} expands from the environment in any value", "[config]") {
  FakeWorld world;
  world.env = {{"RC_CLIENT_ID", "cid"},
               {"RC_SECRET", "s3cr3t"},
               {"TIMEOUT_MS", "1234"},
               {"RC_JWT", "eyJ.jwt"}};
  Result<Config> c = ParseConfig(kEnvDoc, "env.yaml", false, world.Options());
  REQUIRE(c.ok());
  CHECK(c->platform.client_id == "cid");
  CHECK(c->platform.client_secret.Reveal() == "pre-s3cr3t-post");
  CHECK(c->platform.request_timeout_ms == 1234);
  CHECK(c->webhook_secret.Reveal() == "${NOT_A_VAR}");
  CHECK(c->accounts[0].jwt.Reveal() == "eyJ.jwt");
}

TEST_CASE("An unset variable is an error naming the variable, each one reported", "[config]") {
  FakeWorld world;
  world.env = {{"RC_SECRET", "s3cr3t"}, {"TIMEOUT_MS", "1234"}};
  std::string error = ErrorOf(kEnvDoc, world);
  CHECK_THAT(error,
             Catch::Contains(
                 "test.yaml:2: platform.client_id: environment variable RC_CLIENT_ID is not set"));
  CHECK_THAT(error, Catch::Contains(
                        "test.yaml:8: accounts[0].jwt: environment variable RC_JWT is not set"));
  // Already reported, so no "is required" on top.
  CHECK_THAT(error, !Catch::Contains("is required"));
  CHECK_THAT(error, !Catch::Contains("s3cr3t"));
}

TEST_CASE("*_file keys read the secret from a file without its trailing newline", "[config]") {
  FakeWorld world;
  world.env = {{"SECRETS", "/run/secrets"}};
  world.files = {{"/run/secrets/client", "file-secret\n"},
                 {"/jwt", "jwt-from-file\r\n"},
                 {"/ws", "ws-secret"}};
  std::string text =
      "platform:\n  client_id: id\n  client_secret_file: ${SECRETS}/client\n"
      "webhook_secret_file: /ws\naccounts:\n  - name: main\n    jwt_file: /jwt\n";
  Result<Config> c = ParseConfig(text, "f.yaml", false, world.Options());
  REQUIRE(c.ok());
  CHECK(c->platform.client_secret.Reveal() == "file-secret");
  CHECK(c->accounts[0].jwt.Reveal() == "jwt-from-file");
  CHECK(c->webhook_secret.Reveal() == "ws-secret");
}

TEST_CASE("An account may start from a refresh token instead of a JWT", "[config]") {
  FakeWorld world;
  world.files = {{"/rt", "refresh-from-file\n"}};
  std::string text =
      "platform:\n  client_id: id\n  client_secret: cs\nwebhook_secret: ws\naccounts:\n"
      "  - name: main\n    refresh_token_file: /rt\n  - name: other\n    refresh_token: rt-2\n";
  Result<Config> c = ParseConfig(text, "f.yaml", false, world.Options());
  REQUIRE(c.ok());
  CHECK(c->accounts[0].jwt.empty());
  CHECK(c->accounts[0].refresh_token.Reveal() == "refresh-from-file");
  CHECK(c->accounts[1].refresh_token.Reveal() == "rt-2");
  // An unreadable refresh token file is reported at its key, without "is required" on top.
  std::string error = ErrorOf(text, FakeWorld{});
  CHECK_THAT(error,
             Catch::Contains("test.yaml:7: accounts[0].refresh_token_file: cannot read '/rt'"));
  CHECK_THAT(error, !Catch::Contains("is required"));
  CHECK_THAT(error, !Catch::Contains("rt-2"));
}

TEST_CASE("An unreadable or empty secret file is reported at its key", "[config]") {
  FakeWorld world;
  world.files = {{"/empty", "\n"}};
  std::string text =
      "platform:\n  client_id: id\n  client_secret_file: /missing\n"
      "webhook_secret_file: /empty\naccounts:\n  - name: main\n    jwt: j\n";
  std::string error = ErrorOf(text, world);
  CHECK_THAT(error, Catch::Contains("test.yaml:3: platform.client_secret_file: cannot read "
                                    "'/missing': no such file"));
  CHECK_THAT(error, Catch::Contains("test.yaml:4: webhook_secret: is required"));
  CHECK_THAT(error, !Catch::Contains("platform.client_secret: is required"));
}

TEST_CASE("Issues carry file and line, all of them, sorted by line", "[config]") {
  const std::string text = R"(public_url: ftp://x
platform:
  client_id: id
  client_secret: hunter2-secret
  colour: blue
webhook_secret: ws
accounts:
  - name: main
    jwt: jwt-secret
  - name: main
    jwt: other
subscriptions:
  - name: sms
    account: nobody
    event_filters: []
    expires_in: 0
log:
  level: loud
)";
  std::string error = ErrorOf(text);
  const std::string expected =
      "test.yaml:1: public_url: must be an absolute http(s) URL with a host\n"
      "test.yaml:5: platform.colour: unknown key\n"
      "test.yaml:10: accounts[1].name: duplicate account name 'main' (first at accounts[0])\n"
      "test.yaml:14: subscriptions[0].account: names account 'nobody', which is not in accounts\n"
      "test.yaml:15: subscriptions[0].event_filters: is required (at least one event filter)\n"
      "test.yaml:16: subscriptions[0].expires_in: must be between 1 and 315360000 (got 0)\n"
      "test.yaml:18: log.level: must be one of trace, debug, info, warning (or warn), error (got "
      "'loud')";
  CHECK(error == expected);
  for (const char* secret : {"hunter2-secret", "jwt-secret", "other", "ws\n"}) {
    CHECK_THAT(error, !Catch::Contains(secret));
  }
}

TEST_CASE("A missing key points at its parent's line", "[config]") {
  std::string text = "webhook_secret: w\nplatform:\n  client_id: id\naccounts:\n  - name: a\n";
  std::string error = ErrorOf(text);
  CHECK_THAT(error, Catch::Contains("test.yaml:2: platform.client_secret: is required"));
  CHECK_THAT(error, Catch::Contains("test.yaml:5: accounts[0].jwt: is required"));
}

TEST_CASE("An empty document reports every required key", "[config]") {
  std::string error = ErrorOf("{}\n");
  CHECK_THAT(error, Catch::Contains("platform.client_id: is required"));
  CHECK_THAT(error, Catch::Contains("platform.client_secret: is required"));
  CHECK_THAT(error, Catch::Contains("webhook_secret: is required"));
  CHECK_THAT(error, Catch::Contains("accounts: is required"));
  CHECK_THAT(ErrorOf(""), Catch::Contains("the file is empty"));
  CHECK_THAT(ErrorOf("- a\n- b\n"), Catch::Contains("test.yaml:1: must be a mapping"));
}

TEST_CASE("JSON issues have no line", "[config]") {
  std::string error = ErrorOf(R"({"webhook_secret": "w", "x": 1})", {}, /*json=*/true);
  CHECK_THAT(error, Catch::Contains("test.json: x: unknown key"));
  CHECK_THAT(error, Catch::Contains("test.json: platform.client_id: is required"));
}

TEST_CASE("Syntax errors name file and line, and never quote the input", "[config]") {
  Result<Config> yaml = ParseConfig("platform:\n  client_id: [a, b\nx: 1\n", "bad.yaml", false);
  REQUIRE_FALSE(yaml.ok());
  CHECK(yaml.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(yaml.status().message(), Catch::StartsWith("bad.yaml:"));
  CHECK_THAT(yaml.status().message(), Catch::Contains("YAML syntax error"));

  Result<Config> json =
      ParseConfig("{\n  \"webhook_secret\": \"w\",\n  \"jwt\": sup3rsecret\n}", "bad.json", true);
  REQUIRE_FALSE(json.ok());
  CHECK_THAT(json.status().message(), Catch::StartsWith("bad.json:3: JSON syntax error"));
  CHECK_THAT(json.status().message(), !Catch::Contains("sup3rsecret"));
}

TEST_CASE("LoadConfigFile picks the format by extension and reports a missing file", "[config]") {
  FakeWorld world;
  world.files = {{"/etc/sk.json", R"({"webhook_secret": "w"})"},
                 {"/etc/sk.yaml", Doc("subscriptions:\n" + Sub("a"))}};
  Result<Config> missing = LoadConfigFile("/etc/nope.yaml", world.Options());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("/etc/nope.yaml"));

  Result<Config> json = LoadConfigFile("/etc/sk.json", world.Options());
  REQUIRE_FALSE(json.ok());
  CHECK_THAT(json.status().message(), Catch::StartsWith("/etc/sk.json: "));

  Result<Config> yaml = LoadConfigFile("/etc/sk.yaml", world.Options());
  REQUIRE(yaml.ok());
  CHECK(yaml->source_path == "/etc/sk.yaml");
}

TEST_CASE("LoadConfigFile reads the real filesystem by default", "[config]") {
  Result<Config> missing = LoadConfigFile("/nonexistent/subkeeper-test.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent/subkeeper-test.yaml"));
}

}  // namespace
}  // namespace subkeeper::config

namespace subkeeper::config {
namespace {

TEST_CASE("Validate works on a Config built in code", "[config]") {
  Config c;
  c.source_path = "code";
  c.platform.client_id = "id";
  c.platform.client_secret = Secret("cs");
  c.webhook_secret = Secret("ws");
  c.accounts.push_back({"main", Secret("jwt"), Secret()});
  SubscriptionConfig s;
  s.name = "sms";
  s.account = "main";
  s.event_filters = {"/x"};
  s.expires_in_s = 120;
  s.reminder = {61, 15};
  s.line = 42;
  c.subscriptions.push_back(s);
  std::vector<ConfigIssue> issues = Validate(c);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].ToString() ==
        "code:42: subscriptions[0].reminder.threshold: threshold 61 must be <= expires_in/2 (60)");
  c.subscriptions[0].reminder = {60, 15};
  CHECK(Validate(c).empty());
}

TEST_CASE("A key with the wrong type is reported once", "[config]") {
  std::string error = ErrorOf(Doc("subscriptions:\n" + Sub("a", "    expires_in: soon\n")));
  CHECK(error == "test.yaml:12: subscriptions[0].expires_in: must be an integer");
  error = ErrorOf(Doc("", "  client_id: [a]\n"));
  CHECK_THAT(error, Catch::Contains("platform.client_id: duplicate key"));
  CHECK_THAT(error, !Catch::Contains("is required"));
}

}  // namespace
}  // namespace subkeeper::config
