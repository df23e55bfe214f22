#include "subkeeper/webhook/token.h"

#include <catch2/catch.hpp>

namespace subkeeper::webhook {
namespace {

TEST_CASE("verification token is the first 32 hex chars of HMAC(account/name)", "[webhook]") {
  // Golden value: echo -n "main/sms" | openssl dgst -sha256 -hmac "s3cret"
  CHECK(DeriveVerificationToken(Secret("s3cret"), "main", "sms").Reveal() ==
        "2d30b80211641e6fcc3d8b1ec5dbb36c");
}

TEST_CASE("verification token is deterministic and printable", "[webhook]") {
  const Secret a = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  CHECK(a == DeriveVerificationToken(Secret("s3cret"), "main", "sms"));
  REQUIRE(a.Reveal().size() == 32);
  CHECK(a.Reveal().find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("verification token differs per secret, account and name", "[webhook]") {
  const Secret base = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  CHECK(base != DeriveVerificationToken(Secret("other"), "main", "sms"));
  CHECK(base != DeriveVerificationToken(Secret("s3cret"), "main", "voice"));
  CHECK(base != DeriveVerificationToken(Secret("s3cret"), "second", "sms"));
  // The separator keeps ("ab","c") and ("a","bc") apart.
  CHECK(DeriveVerificationToken(Secret("k"), "ab", "c") !=
        DeriveVerificationToken(Secret("k"), "a", "bc"));
}

TEST_CASE("token fingerprint is short, stable and does not reveal the token", "[webhook]") {
  const Secret token = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  const std::string fp = TokenFingerprint(token);
  CHECK(fp.size() == 16);
  CHECK(fp.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fp == TokenFingerprint(token));
  CHECK(token.Reveal().find(fp) == std::string::npos);
  CHECK(fp != TokenFingerprint(DeriveVerificationToken(Secret("rotated"), "main", "sms")));
}

TEST_CASE("a subscription made before a secret rotation keeps its old token until replaced",
          "[webhook]") {
  const Secret old_secret("before"), new_secret("after");
  const Secret old_token = DeriveVerificationToken(old_secret, "main", "sms");
  const Secret new_token = DeriveVerificationToken(new_secret, "main", "sms");
  // Created with the old secret: its notifications still carry the old token.
  CHECK(TokenForFingerprint(TokenFingerprint(old_token), new_secret, {old_secret}, "main", "sms") ==
        old_token);
  // Replaced (or created) with the new secret.
  CHECK(TokenForFingerprint(TokenFingerprint(new_token), new_secret, {old_secret}, "main", "sms") ==
        new_token);
  // Unknown fingerprint (adopted, or made with a secret no longer known): the current token.
  CHECK(TokenForFingerprint("", new_secret, {old_secret}, "main", "sms") == new_token);
  CHECK(TokenForFingerprint("0123456789abcdef", new_secret, {}, "main", "sms") == new_token);
}

}  // namespace
}  // namespace subkeeper::webhook
