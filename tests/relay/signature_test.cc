#include "subkeeper/relay/signature.h"

#include <catch2/catch.hpp>

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
  const std::string key = SigningKey(kSecret);
  CHECK(key == *Base64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  CHECK(Sign(key, kId, kTimestamp, kBody) == kSignature);
  CHECK(Verify(key, kId, "1614265330", kBody, kSignature, kTimestamp));
}

TEST_CASE("A secret without the whsec_ prefix is used as raw bytes", "[relay]") {
  CHECK(SigningKey(Secret("0123456789abcdef0123456789abcdef")) ==
        "0123456789abcdef0123456789abcdef");
  // A prefixed secret that is not base64 is not silently turned into an empty key.
  CHECK(SigningKey(Secret("whsec_not base64!")) == "whsec_not base64!");
  const std::string raw = SigningKey(Secret("raw-key"));
  CHECK(Sign(raw, kId, kTimestamp, kBody) != Sign(SigningKey(kSecret), kId, kTimestamp, kBody));
}

TEST_CASE("Verify rejects any tampered part", "[relay]") {
  const std::string key = SigningKey(kSecret);
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
  const std::string key = SigningKey(kSecret);
  const std::string ts = std::to_string(kTimestamp);
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 300));
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp - 300));
  CHECK_FALSE(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 301));
  CHECK_FALSE(Verify(key, kId, ts, kBody, kSignature, kTimestamp - 301));
  CHECK(Verify(key, kId, ts, kBody, kSignature, kTimestamp + 1000, 1000));
}

TEST_CASE("Verify accepts a header with several signatures when one matches", "[relay]") {
  const std::string key = SigningKey(kSecret);
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
