#include "subkeeper/common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper {
namespace {

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[common]") {
  CHECK(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 1 and 6 (a key longer than a block)",
          "[common]") {
  CHECK(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(HexEncode(HmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// The prepared-key cache holds a few keys per thread: many keys in turn, of every length
// around the block size, must each give OpenSSL's one-shot answer.
TEST_CASE("HMAC-SHA256 agrees with OpenSSL across keys that evict each other", "[common]") {
  for (int round = 0; round < 3; ++round) {
    for (size_t length = 0; length <= 130; ++length) {
      const std::string key(length, static_cast<char>('a' + length % 26));
      const std::string data = "round " + std::to_string(round) + " key " + std::to_string(length);
      unsigned char expected[EVP_MAX_MD_SIZE];
      unsigned int size = 0;
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), expected, &size);
      INFO("key length " << length);
      REQUIRE(HmacSha256(key, data) == std::string(reinterpret_cast<const char*>(expected), size));
    }
  }
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
