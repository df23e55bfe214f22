#include "subkeeper/app/run_state.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/temp_dir.h"
#include "subkeeper/common/private_file.h"

namespace subkeeper::app {
namespace {

using store::testing::ModeOf;
using store::testing::TempDir;

RunState Sample() {
  return RunState{.pid = 4242,
                  .webhooks_port = 8080,
                  .admin_port = 9191,
                  .admin_url = "http://127.0.0.1:9191",
                  .public_url = "https://hooks.example.com"};
}

TEST_CASE("The run-state file is one JSON line with ports, URLs and pid", "[app]") {
  const std::string text = FormatRunState(Sample());
  REQUIRE(text.ends_with("\n"));
  CHECK(text.find('\n') == text.size() - 1);
  const auto doc = nlohmann::json::parse(text);
  CHECK(doc.at("pid") == 4242);
  CHECK(doc.at("webhooks") == 8080);
  CHECK(doc.at("admin") == 9191);
  CHECK(doc.at("admin_url") == "http://127.0.0.1:9191");
  CHECK(doc.at("public_url") == "https://hooks.example.com");
}

TEST_CASE("The run-state file is written 0600 and read back for its admin port", "[app]") {
  TempDir dir;
  const std::string path = dir.File("keeper.run.json");
  REQUIRE(WriteRunState(path, Sample()).ok());
  CHECK(ModeOf(path) == 0600);
  CHECK(ReadAdminPort(path) == 9191);
  // Replaced whole by the next start.
  RunState next = Sample();
  next.admin_port = 9292;
  REQUIRE(WriteRunState(path, next).ok());
  CHECK(ReadAdminPort(path) == 9292);
}

TEST_CASE("A run-state file that cannot be written names the key and the file", "[app]") {
  TempDir dir;
  // A directory in the way, and a directory that does not exist.
  std::filesystem::create_directory(dir.File("taken"));
  for (const std::string& path : {dir.File("taken"), dir.File("missing/keeper.run.json")}) {
    const Status status = WriteRunState(path, Sample());
    CHECK(status.code() == StatusCode::kUnavailable);
    CHECK_THAT(status.message(), Catch::StartsWith("listen.state_file: "));
    CHECK_THAT(status.message(), Catch::Contains(path));
  }
  CHECK(std::filesystem::is_directory(dir.File("taken")));
}

TEST_CASE("No admin port is read from a missing, foreign or malformed file", "[app]") {
  TempDir dir;
  const std::string path = dir.File("keeper.run.json");
  CHECK_FALSE(ReadAdminPort(path).has_value());
  REQUIRE(WriteRunState(path, Sample()).ok());
  REQUIRE(::chmod(path.c_str(), 0622) == 0);
  CHECK_FALSE(ReadAdminPort(path).has_value());
  // Deeply nested or huge input is refused without being parsed into trouble.
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  REQUIRE(WriteRunState(path, Sample()).ok());
  REQUIRE(WritePrivateFile(path, std::string(4000, '[')).ok());
  CHECK_FALSE(ReadAdminPort(path).has_value());
  REQUIRE(WritePrivateFile(path, R"({"admin":9191,"pad":")" + std::string(5000, 'x') + "\"}").ok());
  CHECK_FALSE(ReadAdminPort(path).has_value());
}

}  // namespace
}  // namespace subkeeper::app
