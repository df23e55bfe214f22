#include "subkeeper/common/crypto.h"

#include <catch2/catch.hpp>

namespace subkeeper {
namespace {

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[common]") {
  CHECK(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("Base64 and constant-time compare", "[common]") {
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK(RandomHex(8).size() == 16);
  CHECK(RandomHex(8) != RandomHex(8));
}

}  // namespace
}  // namespace subkeeper

namespace subkeeper {
namespace {

TEST_CASE("Base64Decode inverts Base64Encode and rejects what is not base64", "[common]") {
  for (std::string bytes : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                            std::string("foobar"), std::string("\0\xff\x10", 3)}) {
    CHECK(Base64Decode(Base64Encode(bytes)) == bytes);
  }
  CHECK(Base64Decode("Zm8") == "fo");  // padding is optional
  CHECK(Base64Decode("Zm9vYg") == "foob");
  CHECK_FALSE(Base64Decode("Zm9v!mFy").has_value());
  CHECK_FALSE(Base64Decode("Zm9vY").has_value());  // a lone trailing character
  CHECK_FALSE(Base64Decode("Zm8==").has_value());  // padding past the quartet
  CHECK_FALSE(Base64Decode("Zm===").has_value());
  CHECK_FALSE(Base64Decode("Zm 9v").has_value());
}

}  // namespace
}  // namespace subkeeper
