#include "subkeeper/platform/http.h"

#include <catch2/catch.hpp>

#include "subkeeper/platform/types.h"
#include "subkeeper/platform/url.h"

namespace subkeeper::platform {
namespace {

TEST_CASE("FindHeader ignores case and returns the first match", "[platform]") {
  Headers headers = {{"Content-Type", "application/json"},
                     {"x-rate-limit-remaining", "3"},
                     {"X-Rate-Limit-Remaining", "9"}};
  REQUIRE(FindHeader(headers, "content-type") != nullptr);
  CHECK(*FindHeader(headers, "CONTENT-TYPE") == "application/json");
  CHECK(*FindHeader(headers, "X-Rate-Limit-Remaining") == "3");
  CHECK(FindHeader(headers, "Retry-After") == nullptr);
  CHECK(FindHeader(headers, "Content-Typ") == nullptr);
  HttpResponse response{200, headers, ""};
  REQUIRE(response.Header("x-RATE-limit-remaining") != nullptr);
  CHECK(*response.Header("x-RATE-limit-remaining") == "3");
}

TEST_CASE("CheckHeaders refuses CR, LF and NUL in values, naming the header only", "[platform]") {
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

TEST_CASE("CheckHeaders refuses a name that is not a token, without echoing it", "[platform]") {
  const std::string bad = GENERATE(std::string(""), std::string("X Bad"), std::string("X:Bad"),
                                   std::string("X\r\nInjected"), std::string("X\0", 2));
  CAPTURE(bad);
  Status status = CheckHeaders({{"Accept", "*/*"}, {bad, "v"}});
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "request header #2: name is not an HTTP token");
}

TEST_CASE("RateGroupName names the platform's groups", "[platform]") {
  CHECK(std::string(RateGroupName(RateGroup::kLight)) == "Light");
  CHECK(std::string(RateGroupName(RateGroup::kMedium)) == "Medium");
  CHECK(std::string(RateGroupName(RateGroup::kHeavy)) == "Heavy");
  CHECK(std::string(RateGroupName(RateGroup::kAuth)) == "Auth");
}

TEST_CASE("UrlEncode keeps only unreserved characters", "[platform]") {
  CHECK(UrlEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") ==
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
  CHECK(UrlEncode("a b/c?d=e&f+g~h.i_j") == "a%20b%2Fc%3Fd%3De%26f%2Bg~h.i_j");
  CHECK(UrlEncode("\xC3\xA9") == "%C3%A9");
  CHECK(UrlEncode("") == "");
  // Every byte value, NUL included: only the 66 unreserved ones stay as they are.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string encoded = UrlEncode(all);
  CHECK(encoded.size() == 66 + 3 * (256 - 66));
  CHECK(encoded.starts_with("%00%01%02"));
  CHECK(encoded.ends_with("%FD%FE%FF"));
}

TEST_CASE("UrlPath drops scheme, host, query and fragment", "[platform]") {
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
}  // namespace subkeeper::platform
