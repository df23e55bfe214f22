// ParseUrl is libcurl's URL parser (curl_url_set(3)); these pin what it accepts and refuses for
// the inputs a config or a peer may hand it.
#include "subkeeper/common/url.h"

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper {
namespace {

TEST_CASE("ParseUrl splits an absolute URL", "[common]") {
  Result<UrlParts> parts = ParseUrl("HTTPS://user:pw@Hooks.Example.com:8443/a/b?x=1&y=2#frag");
  REQUIRE(parts.ok());
  CHECK(parts->scheme == "https");
  CHECK(parts->host == "Hooks.Example.com");
  CHECK(parts->port == 8443);
  CHECK(parts->path == "/a/b");
  CHECK(parts->query == "x=1&y=2");

  parts = ParseUrl("http://h");
  REQUIRE(parts.ok());
  CHECK(parts->port == std::nullopt);
  CHECK(parts->path == "/");
  CHECK(parts->query == std::nullopt);
}

TEST_CASE("ParseUrl reads IPv6 literals and refuses broken ones", "[common]") {
  Result<UrlParts> parts = ParseUrl("http://[2001:db8::1]:8080/x");
  REQUIRE(parts.ok());
  CHECK(parts->host == "[2001:db8::1]");
  CHECK(parts->port == 8080);
  for (const char* bad : {"http://[::1/", "http://[zz]/", "http://[::1]x/"}) {
    INFO(bad);
    CHECK_FALSE(ParseUrl(bad).ok());
  }
}

TEST_CASE("ParseUrl keeps port 0 apart from no port and refuses 65536", "[common]") {
  Result<UrlParts> zero = ParseUrl("http://h:0/");
  REQUIRE(zero.ok());
  CHECK(zero->port == 0);
  Result<UrlParts> empty = ParseUrl("http://h:/");
  REQUIRE(empty.ok());
  CHECK(empty->port == std::nullopt);
  CHECK(ParseUrl("http://h:65535/")->port == 65535);
  for (const char* bad :
       {"http://h:65536/", "http://h:99999999999999999999/", "http://h:8a/", "http://h:-1/"}) {
    INFO(bad);
    Result<UrlParts> parts = ParseUrl(bad);
    REQUIRE_FALSE(parts.ok());
    CHECK(parts.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("ParseUrl refuses hostile input without quoting it", "[common]") {
  const std::string secret = "hunter2";
  for (const std::string& bad :
       {"http://h/" + secret + " x", "http://h/" + secret + "\r\nX-Injected: 1",
        "http://h/" + secret + std::string(1, '\0') + "tail", "http://h\t" + secret + "/",
        "http://" + secret + "!host/", "http://u@" + secret + "@h/", std::string("http://"),
        std::string("http://:80/"), "no-scheme/" + secret, "unknown-scheme://" + secret + "/"}) {
    INFO(bad);
    Result<UrlParts> parts = ParseUrl(bad);
    REQUIRE_FALSE(parts.ok());
    CHECK(parts.status().message().find(secret) == std::string::npos);
  }
}

TEST_CASE("ParseUrl takes long URLs up to curl's input limit", "[common]") {
  const std::string path(100000, 'a');
  Result<UrlParts> parts = ParseUrl("http://h/" + path);
  REQUIRE(parts.ok());
  CHECK(parts->path.size() == path.size() + 1);
  // libcurl refuses input of CURL_MAX_INPUT_LENGTH (8 MB) and more.
  CHECK_FALSE(ParseUrl("http://h/" + std::string(8000000, 'a')).ok());
}

TEST_CASE("UrlPath drops scheme, host, query and fragment", "[common]") {
  CHECK(UrlPath("https://h.example:8443/restapi/oauth/token?x=1#f") == "/restapi/oauth/token");
  CHECK(UrlPath("http://127.0.0.1:80") == "/");
  CHECK(UrlPath("http://h/a/b") == "/a/b");
  CHECK(UrlPath("http://[::1]:8080/v6?q") == "/v6");
  CHECK(UrlPath("http://user:pw@h/p") == "/p");
  // What curl cannot read names no path: nothing of it reaches the message.
  CHECK(UrlPath("not a url /secret") == "/");
  CHECK(UrlPath("http://h/a b") == "/");
}

}  // namespace
}  // namespace subkeeper
