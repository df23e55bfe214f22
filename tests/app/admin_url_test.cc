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
  return config;
}

void WriteAdminFile(const config::Config& config, const std::string& text) {
  REQUIRE(WritePrivateFile(config.store.sqlite_path + ".admin", text).ok());
}

TEST_CASE("A configured admin port is used; the file cannot redirect the token", "[app]") {
  TempDir dir;
  const config::Config config = ConfigIn(dir, "127.0.0.1:9191");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
  WriteAdminFile(config, "http://attacker.example:80\n");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
  WriteAdminFile(config, "http://127.0.0.1:4444\n");
  CHECK(AdminUrl(config) == "http://127.0.0.1:9191");
}

TEST_CASE("With admin port 0, only the port is taken from a trusted file", "[app]") {
  TempDir dir;
  const config::Config config = ConfigIn(dir, "127.0.0.1:0");
  const std::string file = config.store.sqlite_path + ".admin";
  WriteAdminFile(config, "http://127.0.0.1:4567\n");
  CHECK(AdminUrl(config) == "http://127.0.0.1:4567");

  // Another host, a userinfo trick, a path, a scheme or a port out of range: not taken.
  for (const char* bad :
       {"http://10.0.0.5:4567\n", "http://attacker.example:80\n", "http://127.0.0.1:80@evil:80\n",
        "http://127.0.0.1:4567/x\n", "https://127.0.0.1:4567\n", "http://127.0.0.1:70000\n",
        "http://127.0.0.1:\n", "http://127.0.0.1:0\n", "http://127.0.0.10:4567\n"}) {
    WriteAdminFile(config, bad);
    CHECK(AdminUrl(config) == "http://127.0.0.1:0");
  }

  // A file others could have written is not trusted at all.
  WriteAdminFile(config, "http://127.0.0.1:4567\n");
  REQUIRE(::chmod(file.c_str(), 0666) == 0);
  CHECK(AdminUrl(config) == "http://127.0.0.1:0");
}

TEST_CASE("A wildcard admin host is reached on loopback", "[app]") {
  TempDir dir;
  CHECK(AdminUrl(ConfigIn(dir, "0.0.0.0:9090")) == "http://127.0.0.1:9090");
  const config::Config any = ConfigIn(dir, "0.0.0.0:0");
  WriteAdminFile(any, "http://127.0.0.1:5555\n");
  CHECK(AdminUrl(any) == "http://127.0.0.1:5555");
  WriteAdminFile(any, "http://0.0.0.0:5555\n");  // not what this config's URL would be
  CHECK(AdminUrl(any) == "http://127.0.0.1:0");
}

}  // namespace
}  // namespace subkeeper::app
