// The config → server options mapping: every field reaches the listener, and TLS files are read
// with the config's bounded reader.
#include "subkeeper/app/server_options.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "store/temp_dir.h"
#include "subkeeper/config/limits.h"

namespace subkeeper::app {
namespace {

TEST_CASE("ToServerOptions copies every field of the server section", "[app]") {
  config::ServerConfig config;
  config.threads = 3;
  config.read_timeout_ms = 1234;
  config.keep_alive_s = 0;
  config.max_body_bytes = 4096;
  config.commit_budget_ms = 777;
  const server::ServerOptions options = ToServerOptions(config);
  CHECK(options.threads == 3);
  CHECK(options.read_timeout_ms == 1234);
  CHECK(options.keep_alive_s == 0);
  CHECK(options.max_body_bytes == 4096);
  CHECK(options.commit_budget_ms == 777);
}

TEST_CASE("ToServerOptions keeps the defaults of both sides equal", "[app]") {
  const server::ServerOptions mapped = ToServerOptions(config::ServerConfig{});
  const server::ServerOptions plain;
  CHECK(mapped.threads == plain.threads);
  CHECK(mapped.read_timeout_ms == plain.read_timeout_ms);
  CHECK(mapped.keep_alive_s == plain.keep_alive_s);
  CHECK(mapped.max_body_bytes == plain.max_body_bytes);
  CHECK(mapped.commit_budget_ms == plain.commit_budget_ms);
}

TEST_CASE("ToTlsOptions names the files and reads them with the bounded reader", "[app]") {
  store::testing::TempDir dir;
  const std::string cert = dir.File("cert.pem");
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\n";
  const std::string big = dir.File("big.pem");
  std::ofstream(big) << std::string(config::kMaxTlsFileBytes + 1, 'x');
  const server::TlsOptions options = ToTlsOptions(config::TlsConfig{cert, big});
  CHECK(options.cert_path == cert);
  CHECK(options.key_path == big);
  REQUIRE(options.read_file);
  Result<std::string> read = options.read_file(cert);
  REQUIRE(read.ok());
  CHECK(*read == "-----BEGIN CERTIFICATE-----\n");
  Result<std::string> too_big = options.read_file(big);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().message() == "is larger than 1 MiB");
}

}  // namespace
}  // namespace subkeeper::app
