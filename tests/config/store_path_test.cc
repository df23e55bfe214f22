// store.sqlite and listen.state_file relative to the config file's directory, and PeekLogFormat.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "config/test_util.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config {
namespace {

using testing::Doc;
using testing::FakeWorld;
using testing::Sub;

std::string SqlitePath(const std::string& config_path, const std::string& store_section) {
  FakeWorld world;
  world.files[config_path] = Doc(store_section + "subscriptions:\n" + Sub("sms"));
  Result<Config> c = LoadConfigFile(config_path, world.Options());
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  return c->store.sqlite_path;
}

TEST_CASE("store.sqlite is relative to the config file's directory", "[config]") {
  CHECK(SqlitePath("/srv/keeper/subkeeper.yaml", "store:\n  sqlite: data/k.db\n") ==
        "/srv/keeper/data/k.db");
  // The default too: the same config opens the same database from any working directory.
  CHECK(SqlitePath("/srv/keeper/subkeeper.yaml", "") == "/srv/keeper/subkeeper.db");
  CHECK(SqlitePath("/srv/keeper/subkeeper.yaml", "store:\n  sqlite: /var/lib/k.db\n") ==
        "/var/lib/k.db");
  CHECK(SqlitePath("/srv/keeper/subkeeper.yaml", "store:\n  sqlite: \":memory:\"\n") == ":memory:");
  // A config named without a directory: relative to the working directory, as before.
  CHECK(SqlitePath("subkeeper.yaml", "store:\n  sqlite: k.db\n") == "k.db");
}

std::string StateFile(const std::string& config_path, const std::string& listen_section) {
  FakeWorld world;
  world.files[config_path] = Doc(listen_section + "subscriptions:\n" + Sub("sms"));
  Result<Config> c = LoadConfigFile(config_path, world.Options());
  INFO((c.ok() ? "" : c.status().message()));
  REQUIRE(c.ok());
  return c->listen.state_file;
}

TEST_CASE("listen.state_file is relative to the config file's directory, and unset by default",
          "[config]") {
  CHECK(StateFile("/srv/keeper/subkeeper.yaml", "listen:\n  state_file: run/k.json\n") ==
        "/srv/keeper/run/k.json");
  CHECK(StateFile("/srv/keeper/subkeeper.yaml", "listen:\n  state_file: /run/k.json\n") ==
        "/run/k.json");
  CHECK(StateFile("/srv/keeper/subkeeper.yaml", "").empty());
}

// A real file for PeekLogFormat, which reads the file system.
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& text) {
    char pattern[] = "/tmp/subkeeper-peek-XXXXXX";
    const int fd = ::mkstemp(pattern);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::remove(pattern);
    path_ = std::string(pattern) + suffix;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_CASE("PeekLogFormat reads log.format from a file that parses but does not validate",
          "[config]") {
  TempFile invalid(".yaml", "nonsense_key: 1\nlog:\n  format: json\n  level: loud\n");
  CHECK(PeekLogFormat(invalid.path()) == "json");
  TempFile as_json(".json", R"({"log": {"format": "text"}, "bogus": true})");
  CHECK(PeekLogFormat(as_json.path()) == "text");
  TempFile broken(".yaml", "log: [unclosed\n");
  CHECK_FALSE(PeekLogFormat(broken.path()).has_value());
  TempFile unknown(".yaml", "log:\n  format: xml\n");
  CHECK_FALSE(PeekLogFormat(unknown.path()).has_value());
  CHECK_FALSE(PeekLogFormat("/nonexistent/subkeeper.yaml").has_value());
}

}  // namespace
}  // namespace subkeeper::config
