#include "subkeeper/config/checks.h"

#include <catch2/catch.hpp>

namespace subkeeper::config {
namespace {

TEST_CASE("IsValidName accepts [A-Za-z0-9_-]{1,64} only", "[config]") {
  CHECK(IsValidName("a"));
  CHECK(IsValidName("Main_account-2"));
  CHECK(IsValidName(std::string(64, 'z')));
  CHECK_FALSE(IsValidName(""));
  CHECK_FALSE(IsValidName(std::string(65, 'z')));
  for (const char* bad : {"a b", "a/b", "a.b", "ä", "a%2F", "a\n"}) {
    INFO(bad);
    CHECK_FALSE(IsValidName(bad));
  }
}

TEST_CASE("ParseListenAddress splits host and port", "[config]") {
  auto v4 = ParseListenAddress("0.0.0.0:8080");
  REQUIRE(v4);
  CHECK(v4->host == "0.0.0.0");
  CHECK(v4->port == 8080);
  auto v6 = ParseListenAddress("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  CHECK(ParseListenAddress("localhost:65535"));
  for (const char* bad : {"", "8080", ":8080", "h:", "h:65536", "h:-1", "h:80x", "::1:80", "[::1]",
                          "[::1]80", "h h:80", "h:+80"}) {
    INFO(bad);
    CHECK_FALSE(ParseListenAddress(bad));
  }
}

TEST_CASE("CheckHttpUrl wants an absolute http(s) URL with a host", "[config]") {
  for (const char* good : {"http://a", "https://hooks.example.com/base", "HTTPS://h:8443/x?y=1",
                           "http://user@h/x", "http://[::1]:8080/"}) {
    INFO(good);
    CHECK(CheckHttpUrl(good) == std::nullopt);
  }
  for (const char* bad :
       {"", "hooks.example.com", "ftp://h", "https://", "https:///x", "http:/h", "https://h:0",
        "https://h:99999", "https://h:", "https://h /x", "https://[::1/"}) {
    INFO(bad);
    CHECK(CheckHttpUrl(bad).has_value());
  }
  CHECK(CheckHttpUrl("https://h/x?y=1", false) == "must not have a query or fragment");
  CHECK(CheckHttpUrl("https://h/x#f", false) == "must not have a query or fragment");
  CHECK(CheckHttpUrl("https://h/x", false) == std::nullopt);
}

}  // namespace
}  // namespace subkeeper::config
