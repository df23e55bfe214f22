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
}

TEST_CASE("UrlPath drops scheme, host, query and fragment", "[platform]") {
  CHECK(UrlPath("https://h.example:8443/restapi/oauth/token?x=1#f") == "/restapi/oauth/token");
  CHECK(UrlPath("http://127.0.0.1:80") == "/");
  CHECK(UrlPath("http://h/a/b") == "/a/b");
}

}  // namespace
}  // namespace subkeeper::platform
