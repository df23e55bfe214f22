// One row per validation rule: a small variation of a valid document and the issue it must
// produce (without the "FILE:LINE: " prefix, which loader_test.cc covers).
#include <catch2/catch.hpp>

#include "config/test_util.h"

namespace subkeeper::config {
namespace {

using testing::Doc;
using testing::ErrorOf;
using testing::Sub;

struct Row {
  const char* what;
  std::string text;
  std::string expected;  // a substring of the error message
};

std::vector<Row> Rows() {
  const std::string two_accounts =
      "accounts:\n  - name: main\n    jwt: a\n  - name: main\n    jwt: b\n";
  const std::string reminder = "/restapi/v1.0/subscription/~?threshold=60&interval=15";
  return {
      {"unknown top-level key", Doc("colour: red\n"), "colour: unknown key"},
      {"unknown nested key with a hint", Doc("listen:\n  webhook: \"0.0.0.0:80\"\n"),
       "listen.webhook: unknown key (did you mean 'webhooks'?)"},
      {"unknown subscription key", Doc("subscriptions:\n" + Sub("a", "    expire_in: 60\n")),
       "subscriptions[0].expire_in: unknown key (did you mean 'expires_in'?)"},
      {"unknown account key", Doc("", "", "accounts:\n  - name: a\n    jwt: x\n    role: x\n"),
       "accounts[0].role: unknown key"},
      {"duplicate key", Doc("log:\n  level: info\n  level: warn\n"), "log.level: duplicate key"},
      {"section of the wrong type", Doc("listen: 5\n"), "listen: must be a mapping"},
      {"list of the wrong type", Doc("subscriptions:\n  name: a\n"),
       "subscriptions: must be a list"},
      {"string of the wrong type", Doc("public_url: [a]\n"), "public_url: must be a string"},
      {"integer of the wrong type", Doc("server:\n  threads: many\n"),
       "server.threads: must be an integer"},
      {"unknown relay key", Doc("relay:\n  max_ages: 5\n"),
       "relay.max_ages: unknown key (did you mean 'max_age'?)"},
      {"relay concurrency out of range", Doc("relay:\n  concurrency: 0\n"),
       "relay.concurrency: must be between 1 and 64"},
      {"relay max_client_error_attempts zero", Doc("relay:\n  max_client_error_attempts: 0\n"),
       "relay.max_client_error_attempts: must be between 1 and 100"},
      {"relay max_client_error_attempts too large",
       Doc("relay:\n  max_client_error_attempts: 101\n"),
       "relay.max_client_error_attempts: must be between 1 and 100"},
      {"relay max_backoff below min_backoff", Doc("relay:\n  min_backoff: 30\n  max_backoff: 10\n"),
       "relay.max_backoff: must be between 30 and 86400"},
      {"relay secret and secret file",
       Doc("relay:\n  signing_secret: a\n  signing_secret_file: /s\n"),
       "relay.signing_secret: give either signing_secret or signing_secret_file, not both"},
      {"filters not a list",
       Doc("subscriptions:\n  - name: a\n    account: main\n    event_filters: /x\n"),
       "subscriptions[0].event_filters: must be a list"},
      {"reminder not a mapping", Doc("subscriptions:\n" + Sub("a", "    reminder: 5\n")),
       "subscriptions[0].reminder: must be a mapping"},
      {"secret and secret file", Doc("", "  client_secret_file: /s\n"),
       "platform.client_secret: give either client_secret or client_secret_file, not both"},
      {"account without jwt", Doc("", "", "accounts:\n  - name: a\n"),
       "accounts[0].jwt: is required (or give accounts[0].refresh_token)"},
      {"refresh token and refresh token file",
       Doc("", "", "accounts:\n  - name: a\n    refresh_token: r\n    refresh_token_file: /r\n"),
       "accounts[0].refresh_token: give either refresh_token or refresh_token_file, not both"},
      {"unknown log format", Doc("log:\n  format: xml\n"),
       "log.format: must be text or json (got 'xml')"},
      {"unknown log module", Doc("log:\n  modules:\n    relays: debug\n"),
       "log.modules.relays: unknown key (did you mean 'relay'?)"},
      {"bad module level", Doc("log:\n  modules:\n    relay: loud\n"),
       "log.modules.relay: must be one of trace, debug, info, warning (or warn), error (got "
       "'loud')"},
      {"tls certificate without key", Doc("listen:\n  tls:\n    cert: /c.pem\n"),
       "listen.tls.key: is required when listen.tls.cert is set"},
      {"admin token and token file", Doc("listen:\n  admin_token: a\n  admin_token_file: /t\n"),
       "listen.admin_token: give either admin_token or admin_token_file, not both"},
      {"empty account list", Doc("", "", "accounts: []\n"), "accounts: is required"},
      {"duplicate account", Doc("", "", two_accounts),
       "accounts[1].name: duplicate account name 'main' (first at accounts[0])"},
      {"bad account name", Doc("", "", "accounts:\n  - name: a b\n    jwt: x\n"),
       "accounts[0].name: must match [A-Za-z0-9_-]{1,64} (got 'a b')"},
      {"account name too long",
       Doc("", "", "accounts:\n  - name: " + std::string(65, 'a') + "\n    jwt: x\n"),
       "accounts[0].name: must match"},
      {"subscription without name",
       Doc("subscriptions:\n  - account: main\n    event_filters: [/x]\n"),
       "subscriptions[0].name: is required"},
      {"subscription without account",
       Doc("subscriptions:\n  - name: a\n    event_filters: [/x]\n"),
       "subscriptions[0].account: is required"},
      {"subscription without filters", Doc("subscriptions:\n  - name: a\n    account: main\n"),
       "subscriptions[0].event_filters: is required"},
      {"empty filter list",
       Doc("subscriptions:\n  - name: a\n    account: main\n    event_filters: []\n"),
       "subscriptions[0].event_filters: is required"},
      {"empty filter",
       Doc("subscriptions:\n  - name: a\n    account: main\n    event_filters: ['/x', '']\n"),
       "subscriptions[0].event_filters[1]: must not be empty"},
      {"user-written reminder filter",
       Doc("subscriptions:\n  - name: a\n    account: main\n    event_filters: [/x, '" + reminder +
           "']\n"),
       "subscriptions[0].event_filters[1]: is a reminder filter; subkeeper adds it itself"},
      {"only reminder filters (SUB-515)",
       Doc("subscriptions:\n  - name: a\n    account: main\n    event_filters: ['" + reminder +
           "']\n"),
       "subscriptions[0].event_filters: must contain a filter other than the reminder filter "
       "(SUB-515)"},
      {"unknown account",
       Doc("subscriptions:\n  - name: a\n    account: other\n    event_filters: [/x]\n"),
       "subscriptions[0].account: names account 'other', which is not in accounts"},
      {"duplicate subscription in an account", Doc("subscriptions:\n" + Sub("a") + Sub("a")),
       "subscriptions[1].name: duplicate subscription name 'a' in account 'main' (first at "
       "subscriptions[0])"},
      {"bad subscription name", Doc("subscriptions:\n" + Sub("s/1")),
       "subscriptions[0].name: must match [A-Za-z0-9_-]{1,64}"},
      {"expires_in zero", Doc("subscriptions:\n" + Sub("a", "    expires_in: 0\n")),
       "subscriptions[0].expires_in: must be between 1 and 315360000 (got 0)"},
      {"expires_in above the maximum",
       Doc("subscriptions:\n" + Sub("a", "    expires_in: 315360001\n")),
       "subscriptions[0].expires_in: must be between 1 and 315360000 (got 315360001)"},
      {"threshold over half the lifetime",
       Doc("subscriptions:\n" +
           Sub("a", "    expires_in: 120\n    reminder: {threshold: 61, interval: 15}\n")),
       "subscriptions[0].reminder.threshold: threshold 61 must be <= expires_in/2 (60)"},
      {"interval over half the threshold",
       Doc("subscriptions:\n" +
           Sub("a", "    expires_in: 120\n    reminder: {threshold: 40, interval: 21}\n")),
       "subscriptions[0].reminder.interval: interval 21 must be <= threshold/2 (20)"},
      {"interval under the job interval",
       Doc("subscriptions:\n" +
               Sub("a", "    expires_in: 120\n    reminder: {threshold: 40, interval: 9}\n"),
           "  reminder_job_interval: 10\n"),
       "subscriptions[0].reminder.interval: interval 9 must be >= 10 (reminder_job_interval)"},
      {"derived reminder under the job interval",
       Doc("subscriptions:\n" + Sub("a", "    expires_in: 20\n")),
       "subscriptions[0].reminder.interval: interval 1 must be >= 5 (reminder_job_interval) "
       "(derived from expires_in; set reminder.threshold and reminder.interval)"},
      {"direct subscription with a reminder",
       Doc("subscriptions:\n" +
           Sub("a",
               "    address: https://app.example.com/hook\n    reminder: {threshold: "
               "86400, interval: 3600}\n")),
       "subscriptions[0].reminder: direct subscriptions get no reminder"},
      {"direct subscription with deliver_to",
       Doc("subscriptions:\n" + Sub("a",
                                    "    address: https://app.example.com/hook\n"
                                    "    deliver_to: http://app:3000/\n")),
       "subscriptions[0].deliver_to: a direct subscription delivers to address"},
      {"bad deliver_to", Doc("subscriptions:\n" + Sub("a", "    deliver_to: app:3000/events\n")),
       "subscriptions[0].deliver_to: must be an absolute http(s) URL with a host"},
      {"bad address", Doc("subscriptions:\n" + Sub("a", "    address: https:///hook\n")),
       "subscriptions[0].address: must be an absolute http(s) URL with a host"},
      {"public_url with a query", Doc("public_url: https://h.example.com/?a=1\n"),
       "public_url: must not have a query or fragment"},
      {"public_url with a fragment", Doc("public_url: 'https://h.example.com#x'\n"),
       "public_url: must not have a query or fragment"},
      {"public_url not http", Doc("public_url: ftp://h.example.com\n"),
       "public_url: must be an absolute http(s) URL with a host"},
      {"public_url port zero", Doc("public_url: https://h.example.com:0\n"),
       "public_url: port must be in 1..65535"},
      {"platform.server relative", Doc("", "  server: platform.ringcentral.com\n"),
       "platform.server: must be an absolute http(s) URL with a host"},
      {"listen without port", Doc("listen:\n  webhooks: 0.0.0.0\n"),
       "listen.webhooks: must be host:port with a port in 0..65535"},
      {"listen port too high", Doc("listen:\n  admin: 127.0.0.1:65536\n"),
       "listen.admin: must be host:port with a port in 0..65535"},
      {"listen without host", Doc("listen:\n  admin: ':9090'\n"),
       "listen.admin: must be host:port"},
      {"reminder job interval", Doc("", "  reminder_job_interval: 0\n"),
       "platform.reminder_job_interval: must be between 1 and 86400 (got 0)"},
      {"request timeout", Doc("", "  request_timeout_ms: 10\n"),
       "platform.request_timeout_ms: must be between 100 and 600000 (got 10)"},
      {"renewal lease", Doc("renewal:\n  lease: 0\n"),
       "renewal.lease: must be between 1 and 86400"},
      {"renewal backoff order", Doc("renewal:\n  min_backoff: 10\n  max_backoff: 5\n"),
       "renewal.max_backoff: must be between 10 and 86400 (got 5) (and at least min_backoff)"},
      {"renewal margin", Doc("renewal:\n  direct_margin_pct: 95\n"),
       "renewal.direct_margin_pct: must be between 1 and 90 (got 95)"},
      {"server threads", Doc("server:\n  threads: 0\n"), "server.threads: must be between 1 and"},
      {"server threads beyond int", Doc("server:\n  threads: 99999999999\n"),
       "server.threads: is out of range"},
      {"server read timeout", Doc("server:\n  read_timeout_ms: 0\n"),
       "server.read_timeout_ms: must be between 1 and 60000"},
      {"server keep-alive", Doc("server:\n  keep_alive: -1\n"),
       "server.keep_alive: must be between 0 and 3600 (got -1)"},
      {"server body limit", Doc("server:\n  max_body_bytes: 10\n"),
       "server.max_body_bytes: must be between 1024 and 67108864 (got 10)"},
      {"server commit budget", Doc("server:\n  commit_budget_ms: 3000\n"),
       "server.commit_budget_ms: must be between 1 and 2999 (got 3000)"},
      {"log level", Doc("log:\n  level: verbose\n"),
       "log.level: must be one of trace, debug, info, warning (or warn), error (got 'verbose')"},
      {"store path empty", Doc("store:\n  sqlite: ''\n"), "store.sqlite: is required"},
      {"per-subscription metrics mode", Doc("metrics:\n  per_subscription: sometimes\n"),
       "metrics.per_subscription: must be one of auto, always, never (got 'sometimes')"},
      {"unknown metrics key", Doc("metrics:\n  per_account: never\n"),
       "metrics.per_account: unknown key"},
  };
}

TEST_CASE("Each validation rule reports its key path and rule", "[config]") {
  for (const Row& row : Rows()) {
    INFO(row.what << "\n" << row.text);
    CHECK_THAT(ErrorOf(row.text), Catch::Contains(row.expected));
  }
}

TEST_CASE("Values at the edge of each rule are accepted", "[config]") {
  const std::string ok[] = {
      Doc(""),
      Doc("subscriptions:\n" + Sub("a") + Sub("b")),
      Doc("subscriptions:\n" + Sub("A-z_09")),
      Doc("subscriptions:\n" + Sub(std::string(64, 'n'))),
      Doc("subscriptions:\n" +
          Sub("a", "    expires_in: 120\n    reminder: {threshold: 60, interval: 30}\n")),
      Doc("subscriptions:\n" + Sub("a", "    expires_in: 315360000\n")),
      Doc("subscriptions:\n" + Sub("a", "    address: https://app.example.com/rc?x=1\n")),
      Doc("subscriptions:\n" + Sub("a", "    deliver_to: http://app:3000/events\n") +
          "relay:\n  signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh\n"),
      Doc("listen:\n  webhooks: '[::]:0'\n  admin: localhost:65535\n"),
      Doc("public_url: https://h.example.com:8443/base/\n"),
      Doc("renewal:\n  min_backoff: 5\n  max_backoff: 5\n"),
      Doc("server:\n  keep_alive: 0\n  commit_budget_ms: 2999\n"),
      Doc("log:\n  level: trace\n"),
      Doc("", "", "accounts:\n  - name: main\n    refresh_token: r\n"),
      Doc("", "", "accounts:\n  - name: main\n    jwt: j\n    refresh_token: r\n"),
      Doc("", "", "accounts:\n  - name: a\n    jwt: x\n  - name: b\n    jwt: y\n") +
          "subscriptions:\n  - {name: s, account: a, event_filters: [/x]}\n"
          "  - {name: s, account: b, event_filters: [/x]}\n",
  };
  for (const std::string& text : ok) {
    INFO(text);
    CHECK(ErrorOf(text) == "");
  }
}

TEST_CASE("More than 30 subscriptions for one account is SUB-505", "[config]") {
  std::string subs = "subscriptions:\n";
  for (int i = 0; i < 30; ++i) subs += Sub("s" + std::to_string(i));
  CHECK(ErrorOf(Doc(subs)) == "");
  subs += Sub("s30");
  CHECK_THAT(ErrorOf(Doc(subs)),
             Catch::Contains("subscriptions: account 'main' has 31 subscriptions; the platform "
                             "allows at most 30 per user and app (SUB-505)"));
}

}  // namespace
}  // namespace subkeeper::config
