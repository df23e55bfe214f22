#include "subkeeper/config/checks.h"

#include <catch2/catch.hpp>
#include <string>

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
  for (const char* good :
       {"http://a", "https://hooks.example.com/base", "HTTPS://h:8443/x?y=1", "http://user@h/x",
        "http://user:pw@h/x", "http://[::1]:8080/", "http://[2001:db8::1]/x", "https://h:/x",
        "http://a_b-c.example/x", "https://h:65535/a|b{c}"}) {
    INFO(good);
    CHECK(CheckHttpUrl(good) == std::nullopt);
  }
  const std::string shape = "must be an absolute http(s) URL with a host";
  for (const char* bad : {"", "hooks.example.com", "ftp://h", "mailto:a@example.com", "https://",
                          "https:///x", "http:/h", "http:h", "https://[::1/", "https://[zz]/",
                          "http://:80/", "http://@/", "https://h!x/", "https://{account}.x/"}) {
    INFO(bad);
    auto problem = CheckHttpUrl(bad);
    REQUIRE(problem.has_value());
    CHECK(problem->starts_with(shape));
  }
  for (const char* bad :
       {"https://h /x", "https://h/a b", "http://h/\x01", "http://h/\t", "http://h/\x7f"}) {
    INFO(bad);
    CHECK(CheckHttpUrl(bad) == shape + " (no spaces)");
  }
  CHECK(CheckHttpUrl(std::string("http://h/\0x", 11)) == shape + " (no spaces)");
  for (const char* bad :
       {"https://h:0", "https://h:00/", "https://h:65536", "https://h:99999", "http://h:8a/"}) {
    INFO(bad);
    CHECK(CheckHttpUrl(bad) == "port must be in 1..65535");
  }
  CHECK(CheckHttpUrl("https://h/x?y=1", false) == "must not have a query or fragment");
  CHECK(CheckHttpUrl("https://h/x#f", false) == "must not have a query or fragment");
  CHECK(CheckHttpUrl("https://h/x?", false) == "must not have a query or fragment");
  CHECK(CheckHttpUrl("https://h/x", false) == std::nullopt);
  CHECK(CheckHttpUrl("http://h/" + std::string(100000, 'a')) == std::nullopt);
  CHECK(CheckHttpUrl("http://h/" + std::string(8000000, 'a')).has_value());
}

}  // namespace
}  // namespace subkeeper::config
