// relay.signing_secret / relay.signing_secret_file: Standard Webhooks secrets only
// (https://www.standardwebhooks.com), one or several (rotation), required when anything relays.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/test_util.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config {
namespace {

using testing::Doc;
using testing::ErrorOf;
using testing::FakeWorld;
using testing::Sub;

// Two valid secrets (24 and 32 bytes) and an invalid one with a recognisable base64 body.
constexpr const char* kFirst = "whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXkh";
constexpr const char* kSecond = "whsec_c2NlbmFyaW8tc2lnbmluZy1rZXktdHdvLTMyYnl0ZXM=";
constexpr const char* kShortBody = "c2hvcnQta2V5";  // base64("short-key"): 9 bytes

std::string Relayed() {
  return "subscriptions:\n" + Sub("sms", "    deliver_to: http://app:3000/events\n");
}

Result<Config> Load(const std::string& text, const FakeWorld& world = {}) {
  return ParseConfig(text, "test.yaml", /*json=*/false, world.Options());
}

std::vector<std::string> Secrets(const Config& c) {
  std::vector<std::string> out;
  for (const Secret& s : c.relay.signing_secrets) out.push_back(s.Reveal());
  return out;
}

TEST_CASE("signing_secret is a string or a list, in order", "[config]") {
  auto one = Load(Doc(Relayed() + "relay:\n  signing_secret: " + kFirst + "\n"));
  REQUIRE(one.ok());
  CHECK(Secrets(*one) == std::vector<std::string>{kFirst});

  auto two = Load(
      Doc(Relayed() + "relay:\n  signing_secret:\n    - " + kSecond + "\n    - " + kFirst + "\n"));
  REQUIRE(two.ok());
  CHECK(Secrets(*two) == std::vector<std::string>{kSecond, kFirst});
}

TEST_CASE("Each signing_secret list item expands its own ${VAR}", "[config]") {
  FakeWorld world;
  world.env = {{"OLD_KEY", kFirst}, {"NEW_KEY", kSecond}};
  auto c =
      Load(Doc(Relayed() + "relay:\n  signing_secret: [\"${NEW_KEY}\", \"${OLD_KEY}\"]\n"), world);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(Secrets(*c) == std::vector<std::string>{kSecond, kFirst});
}

TEST_CASE("signing_secret_file holds secrets separated by whitespace", "[config]") {
  FakeWorld world;
  world.files = {{"/run/keys", std::string(kSecond) + "\n  " + kFirst + "\n\n"}};
  auto c = Load(Doc(Relayed() + "relay:\n  signing_secret_file: /run/keys\n"), world);
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  CHECK(Secrets(*c) == std::vector<std::string>{kSecond, kFirst});
}

TEST_CASE("A relaying config without a signing secret is refused; webhook_secret is not used",
          "[config]") {
  const std::string error = ErrorOf(Doc(Relayed()));
  CHECK_THAT(error, Catch::Contains("relay.signing_secret: is required when a subscription "
                                    "relays events (has deliver_to), as main/sms does"));
  CHECK_THAT(error, Catch::Contains("make one with `subkeeper generate-secret`"));
  // Nothing relays: no key needed.
  CHECK(ErrorOf(Doc("subscriptions:\n" + Sub("sms"))) == "");
  CHECK(ErrorOf(Doc("subscriptions:\n" + Sub("d", "    address: https://app.example.com/rc\n"))) ==
        "");
}

TEST_CASE("Anything but a Standard Webhooks secret is refused without echoing it", "[config]") {
  struct Case {
    std::string relay;
    std::string where;
  };
  const std::string short_secret = std::string("whsec_") + kShortBody;
  FakeWorld world;
  world.files = {{"/keys", std::string(kFirst) + "\n" + short_secret + "\n"}};
  world.env = {{"BAD", short_secret}};
  const std::vector<Case> cases = {
      {"  signing_secret: " + short_secret + "\n", "test.yaml:14: relay.signing_secret: "},
      {"  signing_secret: [" + std::string(kFirst) + ", " + short_secret + "]\n",
       "relay.signing_secret[1]: "},
      {"  signing_secret: [\"${BAD}\"]\n", "relay.signing_secret[0]: "},
      {"  signing_secret_file: /keys\n", "relay.signing_secret[1]: (secret 2 of "},
  };
  for (const Case& c : cases) {
    INFO(c.relay);
    const std::string error = ErrorOf(Doc(Relayed() + "relay:\n" + c.relay), world);
    CHECK_THAT(error, Catch::Contains(c.where));
    CHECK_THAT(error, Catch::Contains("must decode to 24 to 64 bytes (got 9); make one with "
                                      "`subkeeper generate-secret`"));
    CHECK(error.find(kShortBody) == std::string::npos);
    CHECK(error.find("c2hvcnQt") == std::string::npos);
  }
  const std::string raw = ErrorOf(Doc(Relayed() + "relay:\n  signing_secret: plain-raw-key\n"));
  CHECK_THAT(raw, Catch::Contains("relay.signing_secret: must be a Standard Webhooks secret"));
  CHECK(raw.find("plain-raw-key") == std::string::npos);
  const std::string unpadded = ErrorOf(
      Doc(Relayed() + "relay:\n  signing_secret: whsec_bG9hZGVyLXRlc3Qtc2lnbmluZy1rZXktMg\n"));
  CHECK_THAT(unpadded, Catch::Contains("standard base64 with padding"));
  CHECK(unpadded.find("bG9hZGVy") == std::string::npos);
}

TEST_CASE("signing_secret lists 1 to 8 secrets", "[config]") {
  std::string nine = "relay:\n  signing_secret:\n";
  for (int i = 0; i < 9; ++i) nine += std::string("    - ") + kFirst + "\n";
  CHECK_THAT(ErrorOf(Doc(Relayed() + nine)),
             Catch::Contains("relay.signing_secret: must be a string or a list of 1 to 8 strings "
                             "(got 9)"));
  CHECK_THAT(ErrorOf(Doc(Relayed() + "relay:\n  signing_secret: []\n")),
             Catch::Contains("(got 0)"));
  CHECK_THAT(ErrorOf(Doc(Relayed() + "relay:\n  signing_secret: [" + kFirst +
                         "]\n  signing_secret_file: "
                         "/k\n")),
             Catch::Contains("give either signing_secret or signing_secret_file, not both"));
}

}  // namespace
}  // namespace subkeeper::config
