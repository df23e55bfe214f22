#include "subkeeper/config/loader.h"

#include <catch2/catch.hpp>

#include "config/test_util.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config {
namespace {

using testing::Doc;
using testing::ErrorOf;
using testing::FakeWorld;
using testing::Sub;

Config LoadOk(const std::string& text, const FakeWorld& world = {}, bool json = false) {
  Result<Config> config =
      ParseConfig(text, json ? "test.json" : "test.yaml", json, world.Options());
  INFO((config.ok() ? "" : config.status().message()));
  REQUIRE(config.ok());
  return std::move(config).value();
}

TEST_CASE("A minimal file yields the documented defaults", "[config]") {
  Config c = LoadOk(Doc("subscriptions:\n" + Sub("sms")));
  CHECK(c.source_path == "test.yaml");
  CHECK(c.public_url.empty());
  CHECK(c.listen.webhooks == "0.0.0.0:8080");
  CHECK(c.listen.admin == "127.0.0.1:9090");
  CHECK(c.store.sqlite_path == "subkeeper.db");
  CHECK(c.platform.server == "https://platform.ringcentral.com");
  CHECK(c.platform.client_id == "id");
  CHECK(c.platform.client_secret.Reveal() == "the-client-secret");
  CHECK(c.platform.reminder_job_interval_s == 5);
  CHECK(c.platform.request_timeout_ms == 10000);
  CHECK(c.webhook_secret.Reveal() == "the-webhook-secret");
  REQUIRE(c.accounts.size() == 1);
  CHECK(c.accounts[0].name == "main");
  CHECK(c.accounts[0].jwt.Reveal() == "the-jwt");
  REQUIRE(c.subscriptions.size() == 1);
  const SubscriptionConfig& s = c.subscriptions[0];
  CHECK(s.name == "sms");
  CHECK(s.account == "main");
  CHECK(s.event_filters ==
        std::vector<std::string>{"/restapi/v1.0/account/~/extension/~/presence"});
  CHECK(s.expires_in_s == 604800);
  CHECK(s.reminder == subscription::ReminderSpec{86400, 3600});
  CHECK(s.deliver_to.empty());
  CHECK_FALSE(s.direct());
  CHECK(s.line == 9);
  CHECK(c.renewal.lease_s == 60);
  CHECK(c.renewal.min_backoff_s == 2);
  CHECK(c.renewal.max_backoff_s == 300);
  CHECK(c.renewal.direct_margin_pct == 25);
  CHECK(c.server.threads == 32);
  CHECK(c.server.read_timeout_ms == 2000);
  CHECK(c.server.keep_alive_s == 1);
  CHECK(c.server.max_body_bytes == 262144);
  CHECK(c.server.commit_budget_ms == 2000);
  CHECK(c.relay.signing_secrets.empty());
  CHECK(c.relay.timeout_ms == 10000);
  CHECK(c.relay.concurrency == 4);
  CHECK(c.relay.min_backoff_s == 1);
  CHECK(c.relay.max_backoff_s == 600);
  CHECK(c.relay.max_age_s == 86400);
  CHECK(c.relay.max_client_error_attempts == 3);
  CHECK(c.relay.retention_s == 604800);
  CHECK(c.relay.dead_retention_s == 2592000);
  CHECK(c.relay.failure_events_after == 3);
  CHECK(c.log_level == "info");
  CHECK(c.log_format == "text");
  CHECK(c.log_modules.empty());
  CHECK_FALSE(c.listen.tls.enabled());
  CHECK(c.listen.admin_token.empty());
  CHECK(c.metrics.per_subscription == "auto");
}

TEST_CASE("metrics.per_subscription takes auto, always and never", "[config]") {
  for (const char* mode : {"auto", "always", "never"}) {
    INFO(mode);
    Config c = LoadOk(Doc("subscriptions:\n" + Sub("sms") +
                          "metrics:\n  per_subscription: " + std::string(mode) + "\n"));
    CHECK(c.metrics.per_subscription == mode);
  }
}

TEST_CASE("Log levels are the names records carry, warn kept as an alias", "[config]") {
  Config c = LoadOk(Doc("subscriptions:\n" + Sub("sms") +
                        "log:\n  level: warning\n  modules:\n    relay: warn\n"));
  CHECK(c.log_level == "warning");
  CHECK(c.log_modules == std::map<std::string, std::string>{{"relay", "warn"}});
  CHECK_THAT(ErrorOf(Doc("subscriptions:\n" + Sub("sms") + "log:\n  level: critical\n")),
             Catch::Contains("log.level: must be one of trace, debug, info, warning (or warn)"));
}

TEST_CASE("The reminder is derived from expires_in when omitted, in part or whole", "[config]") {
  Config c = LoadOk(Doc("subscriptions:\n" + Sub("a", "    expires_in: 3600\n") +
                        Sub("b", "    expires_in: 3600\n    reminder: {threshold: 1000}\n") +
                        Sub("c", "    address: https://app.example.com/rc\n")));
  CHECK(c.subscriptions[0].reminder == subscription::DefaultReminder(3600));
  CHECK(c.subscriptions[1].reminder == subscription::ReminderSpec{1000, 250});
  CHECK(c.subscriptions[2].reminder == subscription::ReminderSpec{});  // direct: none
  CHECK(c.subscriptions[2].direct());
}

constexpr const char* kFullYaml = R"(# every key, non-default values
public_url: https://hooks.example.com/
listen:
  webhooks: "0.0.0.0:8081"
  admin: "127.0.0.1:9091"
  admin_token: atok
  tls: { cert: /etc/subkeeper/tls/cert.pem, key: /etc/subkeeper/tls/key.pem }
store: { sqlite: /var/lib/subkeeper/x.db }
platform:
  server: https://platform.devtest.ringcentral.com
  client_id: cid
  client_secret: csec
  reminder_job_interval: 10
  request_timeout_ms: 5000
webhook_secret: wsec
accounts:
  - { name: main, jwt: j1 }
  - { name: other, jwt: j2 }
subscriptions:
  - name: sms
    account: main
    event_filters: ["/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS"]
    expires_in: 86400
    reminder: { threshold: 3600, interval: 600 }
    deliver_to: http://app:3000/events
  - name: direct
    account: other
    event_filters: ["/a", "/b"]
    address: https://app.example.com/rc
renewal: { lease: 30, min_backoff: 1, max_backoff: 60, direct_margin_pct: 20 }
server: { threads: 8, read_timeout_ms: 1000, keep_alive: 2, max_body_bytes: 4096, commit_budget_ms: 1500 }
relay:
  signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh
  timeout_ms: 2500
  concurrency: 2
  min_backoff: 3
  max_backoff: 90
  max_age: 7200
  max_client_error_attempts: 5
  retention: 3600
  dead_retention: 86400
  failure_events_after: 5
log: { level: debug, format: json, modules: { relay: trace, platform: warn } }
)";

constexpr const char* kFullJson = R"({
  "public_url": "https://hooks.example.com/",
  "listen": {"webhooks": "0.0.0.0:8081", "admin": "127.0.0.1:9091", "admin_token": "atok",
             "tls": {"cert": "/etc/subkeeper/tls/cert.pem", "key": "/etc/subkeeper/tls/key.pem"}},
  "store": {"sqlite": "/var/lib/subkeeper/x.db"},
  "platform": {"server": "https://platform.devtest.ringcentral.com", "client_id": "cid",
               "client_secret": "csec", "reminder_job_interval": 10, "request_timeout_ms": 5000},
  "webhook_secret": "wsec",
  "accounts": [{"name": "main", "jwt": "j1"}, {"name": "other", "jwt": "j2"}],
  "subscriptions": [
    {"name": "sms", "account": "main",
     "event_filters": ["/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS"],
     "expires_in": 86400, "reminder": {"threshold": 3600, "interval": 600},
     "deliver_to": "http://app:3000/events"},
    {"name": "direct", "account": "other", "event_filters": ["/a", "/b"],
     "address": "https://app.example.com/rc"}],
  "renewal": {"lease": 30, "min_backoff": 1, "max_backoff": 60, "direct_margin_pct": 20},
  "server": {"threads": 8, "read_timeout_ms": 1000, "keep_alive": 2, "max_body_bytes": 4096,
             "commit_budget_ms": 1500},
  "relay": {"signing_secret": "whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh", "timeout_ms": 2500, "concurrency": 2, "min_backoff": 3,
            "max_backoff": 90, "max_age": 7200, "max_client_error_attempts": 5, "retention": 3600,
            "dead_retention": 86400, "failure_events_after": 5},
  "log": {"level": "debug", "format": "json", "modules": {"relay": "trace", "platform": "warn"}}
})";

void CheckFull(const Config& c) {
  CHECK(c.public_url == "https://hooks.example.com");  // trailing slash dropped
  CHECK(c.listen.webhooks == "0.0.0.0:8081");
  CHECK(c.listen.admin == "127.0.0.1:9091");
  CHECK(c.store.sqlite_path == "/var/lib/subkeeper/x.db");
  CHECK(c.platform.server == "https://platform.devtest.ringcentral.com");
  CHECK(c.platform.client_id == "cid");
  CHECK(c.platform.client_secret.Reveal() == "csec");
  CHECK(c.platform.reminder_job_interval_s == 10);
  CHECK(c.platform.request_timeout_ms == 5000);
  CHECK(c.webhook_secret.Reveal() == "wsec");
  REQUIRE(c.accounts.size() == 2);
  CHECK(c.accounts[1].name == "other");
  CHECK(c.accounts[1].jwt.Reveal() == "j2");
  REQUIRE(c.subscriptions.size() == 2);
  CHECK(c.subscriptions[0].expires_in_s == 86400);
  CHECK(c.subscriptions[0].reminder == subscription::ReminderSpec{3600, 600});
  CHECK(c.subscriptions[0].deliver_to == "http://app:3000/events");
  CHECK(c.subscriptions[1].event_filters == std::vector<std::string>{"/a", "/b"});
  CHECK(c.subscriptions[1].address == "https://app.example.com/rc");
  CHECK(c.renewal.lease_s == 30);
  CHECK(c.renewal.min_backoff_s == 1);
  CHECK(c.renewal.max_backoff_s == 60);
  CHECK(c.renewal.direct_margin_pct == 20);
  CHECK(c.server.threads == 8);
  CHECK(c.server.read_timeout_ms == 1000);
  CHECK(c.server.keep_alive_s == 2);
  CHECK(c.server.max_body_bytes == 4096);
  CHECK(c.server.commit_budget_ms == 1500);
  REQUIRE(c.relay.signing_secrets.size() == 1);
  CHECK(c.relay.signing_secrets[0].Reveal() == "whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh");
  CHECK(c.relay.timeout_ms == 2500);
  CHECK(c.relay.concurrency == 2);
  CHECK(c.relay.min_backoff_s == 3);
  CHECK(c.relay.max_backoff_s == 90);
  CHECK(c.relay.max_age_s == 7200);
  CHECK(c.relay.max_client_error_attempts == 5);
  CHECK(c.relay.retention_s == 3600);
  CHECK(c.relay.dead_retention_s == 86400);
  CHECK(c.relay.failure_events_after == 5);
  CHECK(c.log_level == "debug");
  CHECK(c.log_format == "json");
  CHECK(c.log_modules ==
        std::map<std::string, std::string>{{"platform", "warn"}, {"relay", "trace"}});
  CHECK(c.listen.tls.cert_path == "/etc/subkeeper/tls/cert.pem");
  CHECK(c.listen.tls.key_path == "/etc/subkeeper/tls/key.pem");
  CHECK(c.listen.admin_token.Reveal() == "atok");
}

TEST_CASE("YAML and JSON give the same config", "[config]") {
  Config yaml = LoadOk(kFullYaml);
  Config json = LoadOk(kFullJson, {}, /*json=*/true);
  CheckFull(yaml);
  CheckFull(json);
  CHECK(yaml.subscriptions[0].line == 20);
  CHECK(json.subscriptions[0].line == 0);
}

TEST_CASE("JSON keeps its types: a number is not a string", "[config]") {
  std::string json = R"({"platform": {"client_id": 5, "client_secret": "s"},
    "webhook_secret": "w", "accounts": [{"name": "a", "jwt": "j"}],
    "server": {"threads": "8", "read_timeout_ms": true}})";
  std::string error = ErrorOf(json, {}, /*json=*/true);
  CHECK_THAT(error, Catch::Contains("test.json: platform.client_id: must be a string"));
  CHECK_THAT(error, Catch::Contains("test.json: server.read_timeout_ms: must be an integer"));
  CHECK_THAT(error, !Catch::Contains("server.threads"));  // "8" is an integer written as text
}

}  // namespace
}  // namespace subkeeper::config
