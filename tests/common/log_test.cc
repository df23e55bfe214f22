#include "subkeeper/common/log.h"

#include <spdlog/sinks/ostream_sink.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace subkeeper::logging {
namespace {

// Captures what the module loggers write, formatted as stderr gets it; restores text format
// and info level afterwards.
class Captured {
 public:
  explicit Captured(Options options)
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    Configure(options);
    AddSink(sink_);
  }
  ~Captured() {
    RemoveSink(sink_);
    Configure({});
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST_CASE("Scrub removes registered secrets anywhere and URL-encoded", "[log]") {
  SetSecret("test/secret", "s3cr3t+value/x");
  CHECK(Scrub("login failed for s3cr3t+value/x") == "login failed for [redacted]");
  CHECK(Scrub("p=s3cr3t%2Bvalue%2Fx&q=1") == "p=[redacted]&q=1");
  CHECK(Scrub("prefix-s3cr3t+value/x-suffix") == "prefix-[redacted]-suffix");
  SetSecret("test/secret", "");
  CHECK(Scrub("s3cr3t+value/x") == "s3cr3t+value/x");
}

TEST_CASE("Setting a slot again forgets its previous value", "[log]") {
  SetSecret("test/token", "old-token-value");
  SetSecret("test/token", "new-token-value");
  CHECK(Scrub("old-token-value new-token-value") == "old-token-value [redacted]");
  SetSecret("test/token", "");
}

TEST_CASE("Scrub recognises credential-shaped text without registration", "[log]") {
  CHECK(Scrub("got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl back") ==
        "got [redacted] back");
  CHECK(Scrub("Authorization: Bearer U1BCMDFQMDRQQVMw; next") ==
        "Authorization: Bearer [redacted]; next");
  CHECK(Scrub("Authorization: Basic ZGVtbzpzZWNyZXQ=") == "Authorization: Basic [redacted]");
  CHECK(Scrub(R"({"access_token":"abc.def","refresh_token" : "r\"x","token_type":"bearer"})") ==
        R"({"access_token":"[redacted]","refresh_token" : "[redacted]","token_type":"bearer"})");
  CHECK(Scrub("grant_type=jwt&assertion=a.b.c&client_secret=xyz") ==
        "grant_type=jwt&assertion=[redacted]&client_secret=[redacted]");
  CHECK(Scrub(R"({"verificationToken": "0123abcd"})") == R"({"verificationToken": "[redacted]"})");
  // Key names in prose are not values.
  CHECK(Scrub("accounts[0].jwt: is required") == "accounts[0].jwt: is required");
  CHECK(Scrub("eyJ alone, and a.b.c") == "eyJ alone, and a.b.c");
}

TEST_CASE("Many registered secrets are matched as whole words", "[log]") {
  for (int i = 0; i < 100; ++i)
    SetSecret("test/many/" + std::to_string(i), "tok" + std::to_string(i) + "-xyz");
  CHECK(Scrub("use tok7-xyz now") == "use [redacted] now");
  CHECK(Scrub("not tok7-xyzz") == "not tok7-xyzz");
  for (int i = 0; i < 100; ++i) SetSecret("test/many/" + std::to_string(i), "");
}

TEST_CASE("JSON format writes one parseable object per record", "[log]") {
  Captured log({"info", "json", {}});
  RelayLog().info("delivered \"{}\"\nto {}", "quoted", "app");
  const std::string text = log.text();
  REQUIRE(text.size() > 1);
  REQUIRE(text.back() == '\n');
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  const auto record = nlohmann::json::parse(text);
  CHECK(record["module"] == "relay");
  CHECK(record["level"] == "info");
  CHECK(record["message"] == "delivered \"quoted\"\nto app");
  const std::string time = record["time"];
  CHECK(time.size() == 24);
  CHECK(time.back() == 'Z');
}

TEST_CASE("Text format names level and module", "[log]") {
  Captured log({"info", "text", {}});
  PlatformLog().warn("slow answer");
  CHECK(log.text().find(" warning platform: slow answer\n") != std::string::npos);
}

TEST_CASE("Module levels override the global level", "[log]") {
  Captured log({"warn", "text", {{"relay", "debug"}, {"store", "error"}}});
  RelayLog().debug("relay-debug");
  KeeperLog().info("keeper-info");
  KeeperLog().warn("keeper-warn");
  StoreLog().warn("store-warn");
  const std::string text = log.text();
  CHECK(text.find("relay-debug") != std::string::npos);
  CHECK(text.find("keeper-info") == std::string::npos);
  CHECK(text.find("keeper-warn") != std::string::npos);
  CHECK(text.find("store-warn") == std::string::npos);
}

TEST_CASE("A record is scrubbed before any sink sees it", "[log]") {
  Captured log({"info", "json", {}});
  SetSecret("test/client_secret", "very-secret-client-value");
  PlatformLog().error("token call failed: client_secret very-secret-client-value, Bearer abc123");
  SetSecret("test/client_secret", "");
  const std::string text = log.text();
  CHECK(text.find("very-secret-client-value") == std::string::npos);
  CHECK(text.find("abc123") == std::string::npos);
  CHECK(text.find("[redacted]") != std::string::npos);
}

TEST_CASE("The level name records carry is accepted as a level", "[log]") {
  Captured log({"warning", "json", {{"relay", "warning"}, {"store", "warn"}}});
  KeeperLog().info("keeper-info");
  KeeperLog().warn("keeper-warn");
  RelayLog().info("relay-info");
  StoreLog().warn("store-warn");
  const std::string text = log.text();
  CHECK(text.find("keeper-info") == std::string::npos);
  CHECK(text.find("relay-info") == std::string::npos);
  CHECK(text.find("store-warn") != std::string::npos);
  REQUIRE(text.find("keeper-warn") != std::string::npos);
  const auto record = nlohmann::json::parse(text.substr(0, text.find('\n')));
  CHECK(record["level"] == "warning");
}

TEST_CASE("JSON records carry account, subscription and remote id as fields", "[log]") {
  Captured log({"info", "json", {}});
  RenewalLog({"acme", "orders", "sub-42"})
      .warn("renew failed ({}), retry in {}s", "unavailable", 4);
  KeeperLog({"acme"}).info("reconcile done");
  KeeperLog().info("no subject");
  const std::string text = log.text();
  std::vector<nlohmann::json> records;
  for (size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    records.push_back(nlohmann::json::parse(text.substr(at, end - at)));
  }
  REQUIRE(records.size() == 3);
  CHECK(records[0]["module"] == "renewal");
  CHECK(records[0]["level"] == "warning");
  CHECK(records[0]["account"] == "acme");
  CHECK(records[0]["subscription"] == "orders");
  CHECK(records[0]["remote_id"] == "sub-42");
  CHECK(records[0]["message"] == "renew failed (unavailable), retry in 4s");
  CHECK(records[1]["account"] == "acme");
  CHECK_FALSE(records[1].contains("subscription"));  // empty parts are left out
  CHECK_FALSE(records[1].contains("remote_id"));
  for (const char* field : {"account", "subscription", "remote_id"}) {
    CHECK_FALSE(records[2].contains(field));  // a record without a subject has none
  }
}

TEST_CASE("Text records append the subject as name=value", "[log]") {
  Captured log({"info", "text", {}});
  RelayLog({"acme", "orders", "sub-42"}).info("relay: delivering again");
  RelayLog({"acme", "two words"}).info("quoted");
  RelayLog().info("plain");
  const std::string text = log.text();
  CHECK(text.find(" info relay: relay: delivering again account=acme subscription=orders "
                  "remote_id=sub-42\n") != std::string::npos);
  CHECK(text.find("quoted account=acme subscription=\"two words\"\n") != std::string::npos);
  CHECK(text.find("plain\n") != std::string::npos);
  CHECK(text.find("plain account=") == std::string::npos);
}

TEST_CASE("A record below its level is not written; the subject ends with its record", "[log]") {
  Captured log({"info", "json", {}});
  RenewalLog({"acme", "orders"}).debug("hidden");
  CHECK(log.text().empty());
  RenewalLog({"acme", "orders"}).info("shown");
  RenewalLog().info("after");
  const std::string text = log.text();
  const size_t newline = text.find('\n');
  REQUIRE(newline != std::string::npos);
  CHECK(nlohmann::json::parse(text.substr(0, newline))["account"] == "acme");
  CHECK_FALSE(nlohmann::json::parse(text.substr(newline + 1)).contains("account"));
}

TEST_CASE("Subject fields are scrubbed like the message", "[log]") {
  Captured log({"info", "json", {}});
  SetSecret("test/field", "field-secret-value");
  PlatformLog({"acct-field-secret-value"}).info("x");
  SetSecret("test/field", "");
  CHECK(log.text().find("field-secret-value") == std::string::npos);
  CHECK(nlohmann::json::parse(log.text())["account"] == "acct-[redacted]");
}

}  // namespace
}  // namespace subkeeper::logging
