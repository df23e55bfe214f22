// Where status, renew and replay send the admin token.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "store/temp_dir.h"
#include "subkeeper/app/commands.h"
#include "subkeeper/common/private_file.h"

namespace subkeeper::app {
namespace {

using store::testing::TempDir;

config::Config ConfigIn(const TempDir& dir, const std::string& admin) {
  config::Config config;
  config.store.sqlite_path = dir.File("subkeeper.db");
  config.listen.admin = admin;
  config.listen.state_file = dir.File("keeper.run.json");
  return config;
}

void WriteStateFile(const config::Config& config, const std::string& text) {
  REQUIRE(WritePrivateFile(config.listen.state_file, text).ok());
}

TEST_CASE("A configured admin port is used; the file cannot redirect the token", "[app]") {
  TempDir dir;
  const config::Config config = ConfigIn(dir, "127.0.0.1:9191");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
  WriteStateFile(config, R"({"admin":80,"admin_url":"http://attacker.example:80"})");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
  WriteStateFile(config, R"({"admin":4444,"admin_url":"http://127.0.0.1:4444"})");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
}

TEST_CASE("With admin port 0, only the port is taken from a trusted file", "[app]") {
  TempDir dir;
  const config::Config config = ConfigIn(dir, "127.0.0.1:0");
  const std::string& file = config.listen.state_file;
  WriteStateFile(config,
                 R"({"pid":1,"webhooks":8080,"admin":4567,"admin_url":"http://10.0.0.5:1"})");
  // The host is never the file's.
  CHECK(AdminUrl(config) == "http://127.0.0.1:4567");

  // A port that is not an integer in 1..65535, or no JSON object: not taken.
  for (const char* bad : {R"({"admin":"4567"})", R"({"admin":70000})", R"({"admin":0})",
                          R"({"admin":-1})", R"({"admin":4567.5})", R"({"webhooks":4567})",
                          R"([4567])", "http://127.0.0.1:4567\n", R"({"admin":4567)", ""}) {
    WriteStateFile(config, bad);
    CHECK(AdminUrl(config) == "http://127.0.0.1:0");
  }

  // A file others could have written is not trusted at all.
  WriteStateFile(config, R"({"admin":4567})");
  REQUIRE(::chmod(file.c_str(), 0666) == 0);
  CHECK(AdminUrl(config) == "http://127.0.0.1:0");

  // Without a run-state file named in the config, port 0 stays port 0.
  config::Config unnamed = config;
  unnamed.listen.state_file.clear();
  CHECK(AdminUrl(unnamed) == "http://127.0.0.1:0");
}

TEST_CASE("A wildcard admin host is reached on loopback", "[app]") {
  TempDir dir;
  CHECK(AdminUrl(ConfigIn(dir, "0.0.0.0:9090")) == "http://127.0.0.1:9090");
  const config::Config any = ConfigIn(dir, "0.0.0.0:0");
  WriteStateFile(any, R"({"admin":5555,"admin_url":"http://0.0.0.0:5555"})");
  CHECK(AdminUrl(any) == "http://127.0.0.1:5555");
}

}  // namespace
}  // namespace subkeeper::app
