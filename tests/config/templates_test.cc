// templates: and accounts[].templates: expansion into Config::subscriptions, and the clash,
// unknown-template and per-account cap errors.
#include <catch2/catch.hpp>

#include "config/test_util.h"
#include "subkeeper/config/loader.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config {
namespace {

using testing::ErrorOf;

constexpr const char* kHead =
    "platform:\n"
    "  client_id: id\n"
    "  client_secret: the-client-secret\n"
    "webhook_secret: the-webhook-secret\n";

// A template entry named `name` (list item at two spaces under the template), plus `extra`.
std::string Entry(const std::string& name, const std::string& extra = "") {
  return "    - name: " + name +
         "\n"
         "      event_filters: [\"/restapi/v1.0/account/~/extension/~/presence\"]\n" +
         extra;
}

TEST_CASE("Templates expand per account with {account} in deliver_to and address", "[config]") {
  const std::string text = std::string(kHead) +  // lines 1-4
                           "templates:\n"        // 5
                           "  std:\n"            // 6
                           "    - name: sms\n"   // 7
                           "      event_filters: [\"/a/{account}\"]\n"
                           "      expires_in: 3600\n"
                           "      deliver_to: https://app.example.com/{account}/hooks?a={account}\n"
                           "    - name: direct\n"  // 11
                           "      event_filters: [\"/b\"]\n"
                           "      address: https://{account}.example.com/in\n"
                           "accounts:\n"
                           "  - name: acme\n"
                           "    jwt: j1\n"
                           "    templates: [std]\n"
                           "  - name: globex\n"
                           "    jwt: j2\n"
                           "    templates: [std]\n"
                           "subscriptions:\n"
                           "  - name: extra\n"
                           "    account: acme\n"
                           "    event_filters: [\"/c\"]\n"
                           "relay:\n  signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh\n";
  Result<Config> c = ParseConfig(text, "t.yaml", false);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  REQUIRE(c->subscriptions.size() == 5);
  // Explicit entries first, then each account's template entries in template order.
  CHECK(c->subscriptions[0].name == "extra");
  const SubscriptionConfig& sms = c->subscriptions[1];
  CHECK(sms.account == "acme");
  CHECK(sms.name == "sms");
  CHECK(sms.deliver_to == "https://app.example.com/acme/hooks?a=acme");
  // Nowhere else: filters keep the text as written.
  CHECK(sms.event_filters == std::vector<std::string>{"/a/{account}"});
  CHECK(sms.expires_in_s == 3600);
  CHECK(sms.reminder == subscription::DefaultReminder(3600));
  CHECK(sms.line == 7);
  const SubscriptionConfig& direct = c->subscriptions[2];
  CHECK(direct.account == "acme");
  CHECK(direct.direct());
  CHECK(direct.address == "https://acme.example.com/in");
  CHECK(direct.reminder == subscription::ReminderSpec{});
  CHECK(c->subscriptions[3].account == "globex");
  CHECK(c->subscriptions[3].deliver_to == "https://app.example.com/globex/hooks?a=globex");
  CHECK(c->subscriptions[4].address == "https://globex.example.com/in");
  CHECK(Validate(*c).empty());
}

TEST_CASE("A template clash names both entries with file line and key", "[config]") {
  const std::string templates =
      "templates:\n"  // 5
      "  a:\n" +
      Entry("sms") +              // 7
      "  b:\n" + Entry("sms") +   // 10
      "  c:\n" + Entry("audit");  // 13
  SECTION("between two templates of one account") {
    std::string error = ErrorOf(kHead + templates +
                                "accounts:\n"  // 15
                                "  - name: acme\n"
                                "    jwt: j\n"
                                "    templates: [a, b]\n");  // 18
    CHECK(error ==
          "test.yaml:18: accounts[0].templates: account 'acme' gets subscription 'sms' from "
          "both templates.a[0] and templates.b[0]");
  }
  SECTION("between a template and an explicit subscription") {
    std::string error = ErrorOf(kHead + templates +
                                "accounts:\n"
                                "  - name: acme\n"
                                "    jwt: j\n"
                                "    templates: [c]\n"  // 18
                                "subscriptions:\n"
                                "  - name: audit\n"
                                "    account: acme\n"
                                "    event_filters: [\"/x\"]\n");
    CHECK(error ==
          "test.yaml:18: accounts[0].templates: account 'acme' gets subscription 'audit' from "
          "both subscriptions[0] and templates.c[0]");
  }
  SECTION("the same template twice") {
    std::string error = ErrorOf(kHead + templates +
                                "accounts:\n"
                                "  - name: acme\n"
                                "    jwt: j\n"
                                "    templates: [a, a]\n");
    CHECK(error == "test.yaml:18: accounts[0].templates[1]: lists template 'a' twice");
  }
}

TEST_CASE("An unknown template is an error at the account's list", "[config]") {
  std::string error = ErrorOf(std::string(kHead) + "templates:\n  a:\n" + Entry("sms") +
                              "accounts:\n"
                              "  - name: acme\n"
                              "    jwt: j\n"
                              "    templates: [a, nope]\n");
  CHECK(error == "test.yaml:12: accounts[0].templates[1]: unknown template 'nope'");
}

TEST_CASE("The per-account cap applies to the expanded set", "[config]") {
  std::string big = "  big:\n";
  for (int i = 0; i < 29; ++i) big += Entry("s" + std::to_string(i));
  const std::string accounts =
      "accounts:\n"
      "  - name: acme\n"
      "    jwt: j\n"
      "    templates: [big]\n";
  const std::string two =
      "subscriptions:\n"
      "  - name: x1\n"
      "    account: acme\n"
      "    event_filters: [\"/x\"]\n"
      "  - name: x2\n"
      "    account: acme\n"
      "    event_filters: [\"/x\"]\n";
  const std::string doc = kHead + ("templates:\n" + big) + accounts;
  const int templates_line = 6 + 29 * 2 + 4;
  // 29 from the template and one explicit is the cap exactly; two is one too many.
  CHECK(ErrorOf(doc + two.substr(0, two.find("  - name: x2"))).empty());
  CHECK(ErrorOf(doc + two) == "test.yaml:" + std::to_string(templates_line) +
                                  ": accounts[0].templates: account 'acme' would have 31 "
                                  "subscriptions (29 from templates); the platform allows at "
                                  "most 30 per user and app (SUB-505)");
}

TEST_CASE("A bad template entry is reported once however many accounts use it", "[config]") {
  std::string error =
      ErrorOf(std::string(kHead) + "templates:\n  a:\n" + Entry("sms", "      expires_in: 0\n") +
              "accounts:\n"
              "  - name: one\n    jwt: j\n    templates: [a]\n"
              "  - name: two\n    jwt: j\n    templates: [a]\n");
  CHECK(error == "test.yaml:9: templates.a[0].expires_in: must be between 1 and 315360000 (got 0)");
}

TEST_CASE("Template names and entries follow the subscription rules", "[config]") {
  std::string error =
      ErrorOf(std::string(kHead) +
              "templates:\n"
              "  \"bad name\":\n" +
              Entry("sms") +
              "  a:\n"
              "    - name: sms\n"
              "      account: acme\n"
              "      event_filters: [\"/x\"]\n"
              "      deliver_to: ftp://{account}\n"
              "  empty: []\n"
              "accounts:\n  - name: acme\n    jwt: j\n    templates: [\"bad name\"]\n");
  CHECK_THAT(error, Catch::Contains("test.yaml:6: templates.bad name: template names must match "
                                    "[A-Za-z0-9_-]{1,64}"));
  CHECK_THAT(error, Catch::Contains("test.yaml:11: templates.a[0].account: unknown key"));
  CHECK_THAT(error, Catch::Contains(
                        "test.yaml:13: templates.a[0].deliver_to: must be an absolute http(s) URL "
                        "with a host"));
  CHECK_THAT(error, Catch::Contains("test.yaml:14: templates.empty: is required (at least one "
                                    "subscription)"));
  // A malformed template is still known: no "unknown template" on top.
  CHECK_THAT(error, !Catch::Contains("unknown template"));
}

}  // namespace
}  // namespace subkeeper::config
