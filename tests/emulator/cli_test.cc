#include "rcemu/cli.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rcemu {
namespace {

TEST_CASE("cli: defaults and every flag", "[emulator]") {
  auto defaults = ParseCli({});
  REQUIRE(defaults.ok());
  CHECK(defaults->host == "127.0.0.1");
  CHECK(defaults->port == 18080);
  CHECK(defaults->options.client_id == "demo-client");
  CHECK(defaults->options.reminder_job_interval == Seconds(5));

  auto cfg = ParseCli({"--listen",
                       "0.0.0.0:0",
                       "--port-file",
                       "/tmp/p.json",
                       "--client-id",
                       "id",
                       "--client-secret",
                       "s3cret",
                       "--reminder-job-interval",
                       "2",
                       "--access-token-ttl",
                       "60",
                       "--refresh-token-ttl",
                       "120",
                       "--blacklist-after",
                       "5",
                       "--rate-limits",
                       "light=7,auth=2",
                       "--penalty",
                       "9",
                       "--handshake-timeout-ms",
                       "100",
                       "--delivery-timeout-ms",
                       "200",
                       "--demo-events-interval",
                       "15",
                       "--app-secret",
                       "app-s3cret",
                       "--log-level",
                       "debug"});
  REQUIRE(cfg.ok());
  CHECK(cfg->host == "0.0.0.0");
  CHECK(cfg->port == 0);
  CHECK(cfg->port_file == "/tmp/p.json");
  CHECK(cfg->options.client_secret.Reveal() == "s3cret");
  CHECK(cfg->options.reminder_job_interval == Seconds(2));
  CHECK(cfg->options.access_token_ttl == Seconds(60));
  CHECK(cfg->options.refresh_token_ttl == Seconds(120));
  CHECK(cfg->options.blacklist_after == 5);
  CHECK(cfg->options.rate_limits.light == 7);
  CHECK(cfg->options.rate_limits.medium == 40);
  CHECK(cfg->options.rate_limits.auth == 2);
  CHECK(cfg->options.penalty == Seconds(9));
  CHECK(cfg->options.handshake_timeout == Millis(100));
  CHECK(cfg->options.delivery_timeout == Millis(200));
  CHECK(cfg->options.demo_events_interval == Seconds(15));
  CHECK(cfg->options.app_secret.Reveal() == "app-s3cret");
  CHECK(cfg->log_level == "debug");
  CHECK(defaults->options.demo_events_interval == Seconds(0));
  CHECK(defaults->options.app_secret.empty());
}

TEST_CASE("cli: errors name the flag and never echo the secret", "[emulator]") {
  CHECK_FALSE(ParseCli({"--bogus"}).ok());
  CHECK_FALSE(ParseCli({"--listen"}).ok());
  CHECK_FALSE(ParseCli({"--listen", "nohost"}).ok());
  CHECK_FALSE(ParseCli({"--rate-limits", "huge=3"}).ok());
  CHECK_FALSE(ParseCli({"--blacklist-after", "0"}).ok());
  auto bad = ParseCli({"--client-secret", "topsecret", "--penalty", "x"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("--penalty") != std::string::npos);
  CHECK(bad.status().message().find("topsecret") == std::string::npos);
  auto negative = ParseCli({"--app-secret", "appsecret", "--demo-events-interval", "-1"});
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.status().message().find("--demo-events-interval") != std::string::npos);
  CHECK(negative.status().message().find("appsecret") == std::string::npos);
  CHECK(ParseCli({"--help"})->help);
}

TEST_CASE("cli: port file is written atomically as JSON", "[emulator]") {
  const auto dir = std::filesystem::temp_directory_path() / "rcemu-cli-test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "port.json").string();
  REQUIRE(WritePortFile(path, 4321).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "{\"port\":4321}\n");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rcemu
