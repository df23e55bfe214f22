#include <catch2/catch.hpp>
#include <string>

#include "subkeeper/server/http_server.h"

namespace subkeeper::server {
namespace {

TEST_CASE("listen addresses split into host and port", "[server]") {
  const auto [text, host, port] = GENERATE(table<std::string, std::string, int>({
      {"0.0.0.0:8080", "0.0.0.0", 8080},
      {"127.0.0.1:0", "127.0.0.1", 0},
      {"localhost:65535", "localhost", 65535},
      {"[::1]:9090", "::1", 9090},
      {"[::]:0", "::", 0},
  }));
  auto parsed = ParseListenAddress(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->first == host);
  CHECK(parsed->second == port);
}

TEST_CASE("malformed listen addresses are refused naming the text", "[server]") {
  const std::string text =
      GENERATE(as<std::string>{}, "", "8080", ":8080", "host:", "host:-1", "host:65536", "host:80x",
               "::1:80", "[::1]", "[]:80", "[127.0.0.1]:80", "host:0123456");
  auto parsed = ParseListenAddress(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  CHECK(parsed.status().message().find("'" + text + "'") != std::string::npos);
}

}  // namespace
}  // namespace subkeeper::server
