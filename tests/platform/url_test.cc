#include "subkeeper/platform/url.h"

#include <catch2/catch.hpp>
#include <string>

#include "subkeeper/platform/types.h"

namespace subkeeper::platform {
namespace {

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

}  // namespace
}  // namespace subkeeper::platform
