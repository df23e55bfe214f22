#include "subkeeper/common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

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

// RFC 4231 section 4 (https://www.rfc-editor.org/rfc/rfc4231#section-4), the remaining cases.
TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 3, 4, 5 and 7", "[common]") {
  CHECK(HexEncode(HmacSha256(std::string(20, '\xaa'), std::string(50, '\xdd'))) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string key4;
  for (char c = 1; c <= 25; ++c) key4.push_back(c);
  CHECK(HexEncode(HmacSha256(key4, std::string(50, '\xcd'))) ==
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // Case 5 checks the first 128 bits only.
  CHECK(HexEncode(HmacSha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32) ==
        "a3b6167473100ee06e0c796c2955552b");
  CHECK(HexEncode(HmacSha256(std::string(131, '\xaa'),
                             "This is a test using a larger than block-size key and a larger than "
                             "block-size data. The key needs to be hashed before being used by "
                             "the HMAC algorithm.")) ==
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// Each thread keys its own contexts: many threads signing under the same keys at once must all
// get the one answer.
TEST_CASE("HMAC-SHA256 gives the same answers on many threads at once", "[common]") {
  const std::string expected = HmacSha256("Jefe", "what do ya want for nothing?");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (HmacSha256("Jefe", "what do ya want for nothing?") != expected) ++wrong;
        HmacSha256("key " + std::to_string((t + i) % 7), "message");  // evicts now and then
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == 0);
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
