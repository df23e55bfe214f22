// The example files users start from must always load and mean what their comments say.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "subkeeper/config/loader.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config {
namespace {

const std::string kExamples = std::string(SUBKEEPER_SOURCE_DIR) + "/examples/";

// Reads from disk, except the secret files given in `fakes`.
FileReader ReaderWith(std::map<std::string, std::string> fakes) {
  return [fakes = std::move(fakes)](const std::string& path) -> Result<std::string> {
    if (auto it = fakes.find(path); it != fakes.end()) return it->second;
    std::ifstream in(path);
    if (!in) return Status::NotFound("cannot open");
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  };
}

TEST_CASE("examples/subkeeper.yaml loads with its variables and secret file", "[config]") {
  const std::map<std::string, std::string> env = {{"RC_CLIENT_ID", "example-client-id"},
                                                  {"SUBKEEPER_WEBHOOK_SECRET", "example-ws"},
                                                  {"RC_JWT", "example-jwt"}};
  LoadOptions options;
  options.env = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  options.read = ReaderWith(
      {{"/run/secrets/rc_client_secret", "example-secret\n"},
       {"/run/secrets/subkeeper_signing_secret", "whsec_c3Via2VlcGVyLWV4YW1wbGUta2V5LTAwMDE=\n"}});
  Result<Config> c = LoadConfigFile(kExamples + "subkeeper.yaml", options);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(c->public_url == "https://hooks.example.com");
  CHECK(c->platform.client_id == "example-client-id");
  CHECK(c->platform.client_secret.Reveal() == "example-secret");
  CHECK(c->webhook_secret.Reveal() == "example-ws");
  REQUIRE(c->accounts.size() == 1);
  CHECK(c->accounts[0].jwt.Reveal() == "example-jwt");
  REQUIRE(c->subscriptions.size() == 3);
  CHECK(c->subscriptions[0].reminder == subscription::ReminderSpec{86400, 3600});
  CHECK(c->subscriptions[1].reminder == subscription::DefaultReminder(86400));
  CHECK(c->subscriptions[2].direct());
  REQUIRE(c->relay.signing_secrets.size() == 1);
  CHECK(c->relay.signing_secrets[0].Reveal() == "whsec_c3Via2VlcGVyLWV4YW1wbGUta2V5LTAwMDE=");
  CHECK(c->relay.max_age_s == 86400);
  CHECK(Validate(*c).empty());

  // Without the environment the file names what is missing.
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  Result<Config> bare = LoadConfigFile(kExamples + "subkeeper.yaml", options);
  REQUIRE_FALSE(bare.ok());
  CHECK_THAT(bare.status().message(), Catch::Contains("RC_CLIENT_ID is not set"));
  CHECK_THAT(bare.status().message(), Catch::Contains("SUBKEEPER_WEBHOOK_SECRET is not set"));
  CHECK_THAT(bare.status().message(), Catch::Contains("RC_JWT is not set"));
}

TEST_CASE("examples/demo.yaml is the emulator demo configuration", "[config]") {
  LoadOptions options;
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  options.read = ReaderWith({});
  Result<Config> c = LoadConfigFile(kExamples + "demo.yaml", options);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(c->public_url.empty());
  CHECK(c->listen.webhooks == "127.0.0.1:8080");
  CHECK(c->listen.admin == "127.0.0.1:9090");
  CHECK(c->store.sqlite_path == kExamples + "demo.db");  // relative to the config file
  CHECK(c->platform.server == "http://127.0.0.1:18080");
  CHECK(c->platform.client_id == "demo-client");
  CHECK(c->platform.client_secret.Reveal() == "demo-secret");
  CHECK(c->platform.reminder_job_interval_s == 5);
  CHECK(c->webhook_secret.Reveal() == "demo-webhook-secret");
  REQUIRE(c->accounts.size() == 1);
  CHECK(c->accounts[0].name == "demo");
  CHECK(c->accounts[0].jwt.Reveal() == "demo-jwt");
  REQUIRE(c->subscriptions.size() == 2);
  for (const SubscriptionConfig& s : c->subscriptions) {
    INFO(s.name);
    CHECK(s.account == "demo");
    CHECK(s.expires_in_s == 120);
    CHECK(s.reminder == subscription::ReminderSpec{40, 10});
    CHECK_FALSE(s.direct());
    // Relayed to the emulator's app sink, one path per subscription (scripts/demo).
    CHECK(s.deliver_to == "http://127.0.0.1:18080/_emulator/app/" + s.name);
  }
  // The emulator's app sink checks the signatures with this secret (scripts/demo passes it).
  REQUIRE(c->relay.signing_secrets.size() == 1);
  CHECK(c->relay.signing_secrets[0].Reveal() ==
        "whsec_ZGVtby1zaWduaW5nLWtleS1mb3ItdGhlLXNpbmshISE=");
  CHECK(Validate(*c).empty());
  CHECK(c->subscriptions[0].name == "sms");
  CHECK(c->subscriptions[1].name == "presence");
  CHECK(c->subscriptions[1].event_filters ==
        std::vector<std::string>{"/restapi/v1.0/account/~/extension/~/presence"});
}

TEST_CASE("examples/fleet.yaml gives its accounts their templates' subscriptions", "[config]") {
  LoadOptions options;
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  Result<Config> c = LoadConfigFile(kExamples + "fleet.yaml", options);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(c->accounts_file == kExamples + "fleet-accounts.jsonl");
  std::map<std::string, std::vector<std::string>> names;  // account -> its subscriptions
  for (const AccountConfig& a : c->accounts) {
    CHECK(a.jwt.Reveal() == "demo-jwt");
    names[a.name];
  }
  for (const SubscriptionConfig& s : c->subscriptions) {
    INFO(s.account + "/" + s.name);
    names[s.account].push_back(s.name);
    CHECK(s.deliver_to == "http://127.0.0.1:18080/_emulator/app/" + s.account + "-" + s.name);
    CHECK(s.reminder == subscription::ReminderSpec{40, 10});
  }
  using V = std::vector<std::string>;
  CHECK(names == std::map<std::string, V>{{"demo", V{"audit", "sms", "presence"}},
                                          {"acme", V{"sms", "presence"}},
                                          {"globex", V{"sms", "presence", "voicemail"}},
                                          {"initech", V{"voicemail"}}});
  CHECK(Validate(*c).empty());
}

}  // namespace
}  // namespace subkeeper::config
