#include "subkeeper/relay/signature.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/crypto.h"

namespace subkeeper::relay {
namespace {

// The reference vector of the Standard Webhooks libraries: standard-webhooks/standard-webhooks,
// libraries/python/tests/test_webhooks.py, test_sign_function (the same values appear in the
// other language libraries of that repository).
const Secret kSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
constexpr std::string_view kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST_CASE("Sign reproduces the Standard Webhooks reference vector", "[relay]") {
  const std::string key = *SigningKey(kSecret);
  CHECK(key == *Base64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  CHECK(Sign(key, kId, kTimestamp, kBody) == kSignature);
  CHECK(Verify(key, kId, "1614265330", kBody, kSignature, kTimestamp));
}

// `padded` (base64 ending in "==") with the unused low bits of its last character set, which
// lenient decoders ignore: the same key written a second way.
std::string StrayBits(std::string padded) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char& last = padded[padded.size() - 3];
  last = kAlphabet[kAlphabet.find(last) | 1];
  return padded;
}

// Stock libraries base64-decode whatever follows "whsec_", so anything else would sign with a key
// the app cannot have: there is no raw-bytes fallback.
TEST_CASE("SigningKey takes only whsec_ + canonical base64 of 24..64 bytes", "[relay]") {
  const std::string b24 = Base64Encode(std::string(24, 'k'));
  const std::string b64 = Base64Encode(std::string(64, 'k'));
  CHECK(SigningKey(Secret("whsec_" + b24)) == std::string(24, 'k'));
  CHECK(SigningKey(Secret("whsec_" + b64)) == std::string(64, 'k'));
  CHECK_FALSE(SigningSecretProblem("whsec_" + b24).has_value());
  const std::vector<std::string> refused = {
      "0123456789abcdef0123456789abcdef",             // no prefix: raw bytes no longer
      b24,                                            // the base64 alone
      "whsec_Zm9v!mFyYmF6",                           // not base64
      "whsec_" + Base64Encode(std::string(23, 'k')),  // 23 bytes
      "whsec_" + Base64Encode(std::string(65, 'k')),  // 65 bytes
      "whsec_" + Base64Encode(std::string(25, 'k')).substr(0, 34),  // padding stripped
      "whsec_" + b24 + "\n",                                        // trailing junk
      "whsec_" + StrayBits(Base64Encode(std::string(25, 'k'))),     // decodes, but not canonical
      "WHSEC_" + b24,
      "",
  };
  for (const std::string& value : refused) {
    INFO("secret #" << (&value - refused.data()));
    CHECK_FALSE(SigningKey(Secret(value)).has_value());
    const std::optional<std::string> problem = SigningSecretProblem(value);
    REQUIRE(problem.has_value());
    CHECK_THAT(*problem, Catch::Contains("subkeeper generate-secret"));
    // The reason never carries the value, or any 6-character piece of its base64.
    const std::string body = value.starts_with("whsec_") ? value.substr(6) : value;
    for (size_t i = 0; i + 6 <= body.size(); ++i) {
      CHECK(problem->find(body.substr(i, 6)) == std::string::npos);
    }
  }
}

TEST_CASE("NewSigningSecret makes secrets SigningKey accepts, each different", "[relay]") {
  const Secret a = NewSigningSecret();
  const Secret b = NewSigningSecret();
  REQUIRE(SigningKey(a).has_value());
  CHECK(SigningKey(a)->size() == 32);
  CHECK_FALSE(a == b);
}

TEST_CASE("SignAll puts one signature per key, in order, space-separated", "[relay]") {
  const std::string first = *SigningKey(kSecret);
  const std::string second = std::string(32, 's');
  const std::string header = SignAll({first, second}, kId, kTimestamp, kBody);
  CHECK(header == std::string(kSignature) + " " + Sign(second, kId, kTimestamp, kBody));
  const std::string ts = std::to_string(kTimestamp);
  CHECK(Verify(first, kId, ts, kBody, header, kTimestamp));
  CHECK(Verify(second, kId, ts, kBody, header, kTimestamp));
  CHECK_FALSE(Verify(std::string(32, 'x'), kId, ts, kBody, header, kTimestamp));
  CHECK(SignAll({first}, kId, kTimestamp, kBody) == kSignature);
  CHECK(SignAll({}, kId, kTimestamp, kBody).empty());
}

TEST_CASE("Verify rejects any tampered part", "[relay]") {
  const std::string key = *SigningKey(kSecret);
  const std::string ts = std::to_string(kTimestamp);
  CHECK_FALSE(Verify(key, kId, ts, R"({"test": 2432232315})", kSignature, kTimestamp));
  CHECK_FALSE(Verify(key, "msg_other", ts, kBody, kSignature, kTimestamp));
  CHECK_FALSE(Verify(key, kId, "1614265331", kBody, kSignature, kTimestamp));
  CHECK_FALSE(Verify("other key", kId, ts, kBody, kSignature, kTimestamp));
  CHECK_FALSE(
      Verify(key, kId, ts, kBody, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", kTimestamp));
  // Same signature under another version tag is not a v1 signature.
  CHECK_FALSE(
      Verify(key, kId, ts, kBody, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kTimestamp));
  CHECK_FALSE(Verify(key, kId, ts, kBody, "", kTimestamp));
  for (std::string_view bad_ts : {"", "abc", "-1614265330", " 1614265330", "1614265330x"}) {
    CHECK_FALSE(Verify(key, kId, bad_ts, kBody, kSignature, kTimestamp));
  }
}

TEST_CASE("Verify enforces the timestamp tolerance both ways", "[relay]") {
  const std::string key = *SigningKey(kSecret);
  const std::string ts = std::to_string(kTimestamp);
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 300));
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp - 300));
  CHECK_FALSE(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 301));
  CHECK_FALSE(Verify(key, kId, ts, kBody, kSignature, kTimestamp - 301));
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 1000, 1000));
}

TEST_CASE("Verify accepts a header with several signatures when one matches", "[relay]") {
  const std::string key = *SigningKey(kSecret);
  const std::string ts = std::to_string(kTimestamp);
  const std::string other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  CHECK(Verify(key, kId, ts, kBody,
               other + " v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " +
                   std::string(kSignature) + " " + other,
               kTimestamp));
  CHECK(Verify(key, kId, ts, kBody, std::string(kSignature) + " " + other, kTimestamp));
  CHECK_FALSE(Verify(key, kId, ts, kBody, other + " " + other, kTimestamp));
}

}  // namespace
}  // namespace subkeeper::relay
