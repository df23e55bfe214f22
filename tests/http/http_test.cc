#include "subkeeper/http/http.h"

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper::http {
namespace {

TEST_CASE("Headers::Find ignores case and returns the first match", "[http]") {
  Headers headers = {{"Content-Type", "application/json"},
                     {"x-rate-limit-remaining", "3"},
                     {"X-Rate-Limit-Remaining", "9"}};
  REQUIRE(headers.Find("content-type") != nullptr);
  CHECK(*headers.Find("CONTENT-TYPE") == "application/json");
  CHECK(*headers.Find("X-Rate-Limit-Remaining") == "3");
  CHECK(headers.Find("X-Rate-Limit-Remaining") == &headers[1].second);
  CHECK(headers.Find("Retry-After") == nullptr);
  CHECK(headers.Find("Content-Typ") == nullptr);
  CHECK(headers.Find("Content-Type-X") == nullptr);
  CHECK(headers.Find("") == nullptr);
  CHECK(Headers{}.Find("Content-Type") == nullptr);
  HttpResponse response{200, headers, ""};
  REQUIRE(response.Header("x-RATE-limit-remaining") != nullptr);
  CHECK(*response.Header("x-RATE-limit-remaining") == "3");
}

TEST_CASE("CheckHeaders refuses CR, LF and NUL in values, naming the header only", "[http]") {
  CHECK(CheckHeaders({}).ok());
  CHECK(CheckHeaders({{"webhook-id", "6696560186430840563"},
                      {"Authorization", "Bearer a.b-c_d~e+f/g="},
                      {"X-Empty", ""},
                      {"X-Tab", "a\tb \x01 caf\xc3\xa9"}})
            .ok());
  const std::string bad =
      GENERATE(std::string("tok\r\nX-Injected: 1"), std::string("tok\r"), std::string("tok\nX"),
               std::string("tok\0secret", 10), std::string("\r\n\r\nGET / HTTP/1.1"));
  CAPTURE(bad);
  Status status = CheckHeaders({{"content-type", "application/json"}, {"Authorization", bad}});
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "request header 'Authorization': value contains CR, LF or NUL");
}

TEST_CASE("CheckHeaders refuses a name that is not a token, without echoing it", "[http]") {
  const std::string bad = GENERATE(std::string(""), std::string("X Bad"), std::string("X:Bad"),
                                   std::string("X\r\nInjected"), std::string("X\0", 2));
  CAPTURE(bad);
  Status status = CheckHeaders({{"Accept", "*/*"}, {bad, "v"}});
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "request header #2: name is not an HTTP token");
}

TEST_CASE("Headers::Find compares ASCII letters only, not bytes around them", "[http]") {
  // '[' (0x5B) and '{' (0x7B) differ by the same 0x20 as 'A' and 'a': not letters, not equal.
  const Headers headers = {{"X-[", "bracket"}, {"x-\xC3\x89", "utf8"}};
  CHECK(headers.Find("x-{") == nullptr);
  CHECK(*headers.Find("X-[") == "bracket");
  CHECK(headers.Find("X-\xC3\xA9") == nullptr);
  CHECK(*headers.Find("X-\xC3\x89") == "utf8");
}

TEST_CASE("ReasonPhrase names the codes the listeners and the emulator send", "[http]") {
  CHECK(ReasonPhrase(100) == "Continue");
  CHECK(ReasonPhrase(200) == "OK");
  CHECK(ReasonPhrase(201) == "Created");
  CHECK(ReasonPhrase(202) == "Accepted");
  CHECK(ReasonPhrase(204) == "No Content");
  CHECK(ReasonPhrase(301) == "Moved Permanently");
  CHECK(ReasonPhrase(302) == "Found");
  CHECK(ReasonPhrase(400) == "Bad Request");
  CHECK(ReasonPhrase(401) == "Unauthorized");
  CHECK(ReasonPhrase(403) == "Forbidden");
  CHECK(ReasonPhrase(404) == "Not Found");
  CHECK(ReasonPhrase(405) == "Method Not Allowed");
  CHECK(ReasonPhrase(408) == "Request Timeout");
  CHECK(ReasonPhrase(409) == "Conflict");
  CHECK(ReasonPhrase(411) == "Length Required");
  CHECK(ReasonPhrase(413) == "Payload Too Large");
  CHECK(ReasonPhrase(429) == "Too Many Requests");
  CHECK(ReasonPhrase(431) == "Request Header Fields Too Large");
  CHECK(ReasonPhrase(500) == "Internal Server Error");
  CHECK(ReasonPhrase(501) == "Not Implemented");
  CHECK(ReasonPhrase(502) == "Bad Gateway");
  CHECK(ReasonPhrase(503) == "Service Unavailable");
  CHECK(ReasonPhrase(504) == "Gateway Timeout");
}

TEST_CASE("ReasonPhrase leaves codes it does not name empty", "[http]") {
  CHECK(ReasonPhrase(0).empty());
  CHECK(ReasonPhrase(299).empty());
  CHECK(ReasonPhrase(418).empty());
  CHECK(ReasonPhrase(999).empty());
  CHECK(ReasonPhrase(-404).empty());
}

}  // namespace
}  // namespace subkeeper::http
