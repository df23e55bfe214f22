// accounts_file: a JSON Lines file of accounts, read line by line; its issues name that file
// and line and never a secret; a fleet of 33,334 accounts loads whole.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/test_util.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config {
namespace {

using testing::ErrorOf;
using testing::FakeWorld;

// A config with template "std" (two subscriptions) and `tail` appended (line 12 on).
std::string Doc(const std::string& tail) {
  return "platform:\n"
         "  client_id: id\n"
         "  client_secret: the-client-secret\n"
         "webhook_secret: the-webhook-secret\n"
         "templates:\n"
         "  std:\n"
         "    - name: sms\n"
         "      event_filters: [\"/sms\"]\n"
         "      deliver_to: https://app.example.com/{account}/sms\n"
         "    - name: presence\n"
         "      event_filters: [\"/presence\"]\n" +
         tail + "relay:\n  signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh\n";
}

TEST_CASE("An accounts file adds accounts with their template subscriptions", "[config]") {
  FakeWorld world;
  world.env = {{"RT", "refresh-from-env"}};
  world.files = {
      {"/etc/sk/keeper.yaml", Doc("accounts:\n"
                                  "  - name: inline\n"
                                  "    jwt: j0\n"
                                  "accounts_file: fleet/accounts.jsonl\n"
                                  "subscriptions:\n"
                                  "  - name: audit\n"
                                  "    account: acme\n"
                                  "    event_filters: [\"/audit\"]\n")},
      {"/etc/sk/fleet/accounts.jsonl",
       "# the fleet\n"
       "{\"name\": \"acme\", \"jwt\": \"j1\", \"templates\": [\"std\"]}\n"
       "\n"
       "   # indented comment\r\n"
       "{\"name\": \"globex\", \"jwt_file\": \"/secrets/globex\", \"templates\": []}\r\n"
       "{\"name\": \"initech\", \"refresh_token\": \"${RT}\", \"templates\": [\"std\"]}"},
      {"/secrets/globex", "jwt-from-file\n"}};
  Result<Config> c = LoadConfigFile("/etc/sk/keeper.yaml", world.Options());
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(c->accounts_file == "/etc/sk/fleet/accounts.jsonl");
  REQUIRE(c->accounts.size() == 4);
  CHECK(c->accounts[0].name == "inline");
  CHECK(c->accounts[1].name == "acme");
  CHECK(c->accounts[1].jwt.Reveal() == "j1");
  CHECK(c->accounts[2].jwt.Reveal() == "jwt-from-file");
  CHECK(c->accounts[3].refresh_token.Reveal() == "refresh-from-env");
  REQUIRE(c->subscriptions.size() == 5);
  CHECK(c->subscriptions[0].name == "audit");  // explicit, for an account of the file
  CHECK(c->subscriptions[1].account == "acme");
  CHECK(c->subscriptions[1].deliver_to == "https://app.example.com/acme/sms");
  CHECK(c->subscriptions[2].account == "acme");
  CHECK(c->subscriptions[2].name == "presence");
  CHECK(c->subscriptions[3].deliver_to == "https://app.example.com/initech/sms");
  CHECK(c->subscriptions[4].account == "initech");
}

TEST_CASE("An absolute accounts_file is used as written", "[config]") {
  FakeWorld world;
  world.files = {{"/etc/sk/keeper.yaml", Doc("accounts_file: /srv/accounts.jsonl\n")},
                 {"/srv/accounts.jsonl", "{\"name\": \"acme\", \"jwt\": \"j\"}\n"}};
  Result<Config> c = LoadConfigFile("/etc/sk/keeper.yaml", world.Options());
  REQUIRE(c.ok());
  CHECK(c->accounts_file == "/srv/accounts.jsonl");
  CHECK(c->accounts.size() == 1);
  CHECK(c->subscriptions.empty());
}

TEST_CASE("A relative accounts_file resolves against the config file on disk", "[config]") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("subkeeper-accounts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "keeper.yaml") << Doc("accounts_file: sub/accounts.jsonl\n");
  std::ofstream(dir / "sub" / "accounts.jsonl")
      << "{\"name\": \"acme\", \"jwt\": \"j\", \"templates\": [\"std\"]}\n";
  Result<Config> c = LoadConfigFile((dir / "keeper.yaml").string());
  std::filesystem::remove_all(dir);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(c->accounts_file == (dir / "sub" / "accounts.jsonl").string());
  CHECK(c->subscriptions.size() == 2);
}

TEST_CASE("Accounts file issues name the file and line and never a secret", "[config]") {
  FakeWorld world;
  world.files = {{"accounts.jsonl",
                  "{\"name\": \"acme\", \"jwt\": \"j\", \"templates\": [\"std\"]}\n"           // 1
                  "{\"name\": \"bad\", \"jwt\": \"s3cret-unterminated\"\n"                     // 2
                  "{\"name\": \"nojwt\"}\n"                                                    // 3
                  "{\"name\": \"unk\", \"jwt\": \"j\", \"templates\": [\"std\", \"nope\"]}\n"  // 4
                  "{\"name\": \"acme\", \"jwt\": \"j\"}\n"                                     // 5
                  "{\"name\": \"inline\", \"jwt\": \"j\"}\n"                                   // 6
                  "{\"name\": \"x\", \"jwt\": \"s3cret-with-typo\", \"colour\": 1}\n"          // 7
                  "[\"s3cret-in-a-list\"]\n"                                                   // 8
                  "{\"name\": \"bad name\", \"jwt\": 5, \"templates\": \"std\"}\n"             // 9
                  "{\"name\": \"both\", \"jwt\": \"s3cret-both\", \"jwt_file\": \"/f\"}\n"     // 10
                  "{\"name\": \"nofile\", \"jwt_file\": \"/missing\"}\n"}};                    // 11
  std::string error = ErrorOf(Doc("accounts:\n"                                                // 12
                                  "  - name: inline\n"                                         // 13
                                  "    jwt: j\n"                                               // 14
                                  "accounts_file: accounts.jsonl\n"),
                              world);
  const std::string expected =
      "accounts.jsonl:2: accounts_file[2]: is not valid JSON (one account object per line)\n"
      "accounts.jsonl:3: accounts_file[3].jwt: is required (or give "
      "accounts_file[3].refresh_token)\n"
      "accounts.jsonl:4: accounts_file[4].templates[1]: unknown template 'nope'\n"
      "accounts.jsonl:5: accounts_file[5].name: duplicate account name 'acme' (first at "
      "accounts_file line 1)\n"
      "accounts.jsonl:6: accounts_file[6].name: duplicate account name 'inline' (first at "
      "accounts[0])\n"
      "accounts.jsonl:7: accounts_file[7].colour: unknown key\n"
      "accounts.jsonl:8: accounts_file[8]: must be a JSON object\n"
      "accounts.jsonl:9: accounts_file[9].jwt: must be a string\n"
      "accounts.jsonl:9: accounts_file[9].templates: must be a list of template names\n"
      "accounts.jsonl:9: accounts_file[9].name: must match [A-Za-z0-9_-]{1,64} (got 'bad name')\n"
      "accounts.jsonl:10: accounts_file[10].jwt: give either jwt or jwt_file, not both\n"
      "accounts.jsonl:11: accounts_file[11].jwt_file: cannot read '/missing': no such file";
  CHECK(error == expected);
  CHECK_THAT(error, !Catch::Contains("s3cret"));
}

TEST_CASE("An unreadable accounts file is reported at its key", "[config]") {
  std::string error = ErrorOf(Doc("accounts_file: missing.jsonl\n"));
  CHECK_THAT(error, Catch::Contains(
                        "test.yaml:12: accounts_file: cannot read 'missing.jsonl': no such file"));
  CHECK_THAT(error, Catch::Contains("accounts: is required"));
}

TEST_CASE("A mistake on every line of the accounts file is shown a hundred times", "[config]") {
  FakeWorld world;
  std::string lines;
  for (int i = 0; i < 500; ++i) lines += "{\"name\": \"a" + std::to_string(i) + "\"}\n";
  world.files = {{"accounts.jsonl", lines}};
  std::string error = ErrorOf(Doc("accounts_file: accounts.jsonl\n"), world);
  CHECK(std::count(error.begin(), error.end(), '\n') == 100);
  CHECK_THAT(error, Catch::StartsWith("accounts.jsonl:1: accounts_file[1].jwt: is required"));
  CHECK_THAT(error, Catch::EndsWith("accounts.jsonl: more problems in this file are not shown"));
}

TEST_CASE("A fleet of 33334 accounts with three template subscriptions each loads", "[config]") {
  constexpr int kAccounts = 33334;
  std::string lines;
  lines.reserve(kAccounts * 64);
  for (int a = 1; a <= kAccounts; ++a) {
    const std::string name = "acct-" + std::to_string(a);
    lines +=
        "{\"name\": \"" + name + "\", \"jwt\": \"jwt-" + name + "\", \"templates\": [\"t\"]}\n";
  }
  FakeWorld world;
  world.files = {
      {"/fleet/accounts.jsonl", std::move(lines)},
      {"/fleet/keeper.yaml",
       "platform: {client_id: id, client_secret: cs}\n"
       "webhook_secret: ws\n"
       "templates:\n"
       "  t:\n"
       "    - {name: sms, event_filters: [/sms], deliver_to: \"http://app/{account}/1\"}\n"
       "    - {name: vm, event_filters: [/vm], deliver_to: \"http://app/{account}/2\"}\n"
       "    - {name: pr, event_filters: [/pr], expires_in: 86400}\n"
       "accounts_file: accounts.jsonl\n"
       "relay: {signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh}\n"}};
  Result<Config> c = LoadConfigFile("/fleet/keeper.yaml", world.Options());
  INFO((c.ok() ? "" : c.status().message().substr(0, 2000)));
  REQUIRE(c.ok());
  REQUIRE(c->accounts.size() == kAccounts);
  REQUIRE(c->subscriptions.size() == 100002);
  CHECK(c->accounts[0].name == "acct-1");
  CHECK(c->accounts[kAccounts - 1].jwt.Reveal() == "jwt-acct-33334");
  CHECK(c->subscriptions[0].account == "acct-1");
  CHECK(c->subscriptions[0].deliver_to == "http://app/acct-1/1");
  const SubscriptionConfig& last = c->subscriptions.back();
  CHECK(last.account == "acct-33334");
  CHECK(last.name == "pr");
  CHECK(last.expires_in_s == 86400);
  CHECK(last.deliver_to.empty());
  CHECK(c->subscriptions[50002].account == "acct-16668");
  CHECK(c->subscriptions[50002].name == "vm");
  CHECK(c->subscriptions[50002].deliver_to == "http://app/acct-16668/2");
}

}  // namespace
}  // namespace subkeeper::config
