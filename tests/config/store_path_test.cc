// store.sqlite and listen.state_file relative to the config file's directory, store.postgres
// (one store only, its secret never echoed), and PeekLogFormat.
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

Result<Config> WithStore(FakeWorld& world, const std::string& store_section) {
  world.files["/srv/keeper/subkeeper.yaml"] = Doc(store_section + "subscriptions:\n" + Sub("sms"));
  return LoadConfigFile("/srv/keeper/subkeeper.yaml", world.Options());
}

TEST_CASE("store.postgres names a PostgreSQL store instead of the SQLite file", "[config]") {
  FakeWorld world;
  world.env["PGPASS"] = "pg-s3cr3t";
  world.files["/run/secrets/pg"] = "host=/run/postgresql dbname=from_file\n";

  Result<Config> inline_value =
      WithStore(world, "store:\n  postgres: host=/run/postgresql dbname=k password=${PGPASS}\n");
  REQUIRE(inline_value.ok());
  CHECK(inline_value->store.UsesPostgres());
  CHECK(inline_value->store.postgres.Reveal() ==
        "host=/run/postgresql dbname=k password=pg-s3cr3t");
  CHECK(inline_value->store.sqlite_path.empty());  // no default file beside it

  Result<Config> from_file = WithStore(world, "store:\n  postgres_file: /run/secrets/pg\n");
  REQUIRE(from_file.ok());
  CHECK(from_file->store.postgres.Reveal() == "host=/run/postgresql dbname=from_file");

  Result<Config> uri = WithStore(world, "store:\n  postgres: postgresql://k@db.internal/k\n");
  REQUIRE(uri.ok());
  CHECK(uri->store.UsesPostgres());
}

TEST_CASE("A config naming two stores, an empty or a malformed one is refused by key", "[config]") {
  FakeWorld world;
  auto refused = [&](const std::string& section, const std::string& expected) {
    Result<Config> c = WithStore(world, section);
    INFO(section);
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.status().message(), Catch::Contains(expected));
    // Any piece of a connection string may be a password.
    CHECK_THAT(c.status().message(), !Catch::Contains("hunter2"));
    return c.status().message();
  };
  refused("store:\n  sqlite: k.db\n  postgres: host=/tmp dbname=k\n",
          "store: give either store.sqlite or store.postgres, not both");
  refused("store:\n  postgres: \"\"\n", "store.postgres: must not be empty");
  refused("store:\n  postgres: host=/tmp dbname=k\n  postgres_file: /run/secrets/pg\n",
          "give either postgres or postgres_file, not both");
  refused("store:\n  postgres: host=/tmp password=x hunter2\n",
          "store.postgres: not a libpq connection string");
  refused("store:\n  postgres: host=/tmp passwd=hunter2\n",
          "store.postgres: not a libpq connection string");
  refused("store:\n  postgres: postgresql://u:hunter2@h/d?bogus=1\n",
          "store.postgres: not a libpq connection string");
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
