#include "subkeeper/subscription/token.h"

#include <catch2/catch.hpp>

namespace subkeeper::subscription {
namespace {

TEST_CASE("verification token is the first 32 hex chars of HMAC(account/name)", "[subscription]") {
  // Golden value: echo -n "main/sms" | openssl dgst -sha256 -hmac "s3cret"
  CHECK(DeriveVerificationToken(Secret("s3cret"), "main", "sms").Reveal() ==
        "2d30b80211641e6fcc3d8b1ec5dbb36c");
}

TEST_CASE("verification token is deterministic and printable", "[subscription]") {
  const Secret a = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  CHECK(a == DeriveVerificationToken(Secret("s3cret"), "main", "sms"));
  REQUIRE(a.Reveal().size() == 32);
  CHECK(a.Reveal().find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("verification token differs per secret, account and name", "[subscription]") {
  const Secret base = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  CHECK(base != DeriveVerificationToken(Secret("other"), "main", "sms"));
  CHECK(base != DeriveVerificationToken(Secret("s3cret"), "main", "voice"));
  CHECK(base != DeriveVerificationToken(Secret("s3cret"), "second", "sms"));
  // The separator keeps ("ab","c") and ("a","bc") apart.
  CHECK(DeriveVerificationToken(Secret("k"), "ab", "c") !=
        DeriveVerificationToken(Secret("k"), "a", "bc"));
}

TEST_CASE("token fingerprint is short, stable and does not reveal the token", "[subscription]") {
  const Secret token = DeriveVerificationToken(Secret("s3cret"), "main", "sms");
  const std::string fp = TokenFingerprint(token);
  CHECK(fp.size() == 16);
  CHECK(fp.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fp == TokenFingerprint(token));
  CHECK(token.Reveal().find(fp) == std::string::npos);
  CHECK(fp != TokenFingerprint(DeriveVerificationToken(Secret("rotated"), "main", "sms")));
}

TEST_CASE("a subscription made before a secret rotation keeps its old token until replaced",
          "[subscription]") {
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

TEST_CASE("a token book derives from its current secret and finds by fingerprint",
          "[subscription]") {
  const Secret current("after"), before("before"), oldest("oldest");
  const TokenBook book(current, {before, oldest});
  CHECK(book.Derive("main", "sms") == DeriveVerificationToken(current, "main", "sms"));
  CHECK(book.Fingerprint("main", "sms") ==
        TokenFingerprint(DeriveVerificationToken(current, "main", "sms")));
  const Secret old_token = DeriveVerificationToken(oldest, "main", "sms");
  CHECK(book.Find(TokenFingerprint(old_token), "main", "sms") == old_token);
  CHECK(book.Find(book.Fingerprint("main", "sms"), "main", "sms") == book.Derive("main", "sms"));
  CHECK(book.Find("", "main", "sms") == book.Derive("main", "sms"));
  CHECK(book.Find("0123456789abcdef", "main", "sms") == book.Derive("main", "sms"));
  // A fingerprint is per subscription: another name's old token is not this one's.
  CHECK(book.Find(TokenFingerprint(old_token), "main", "voice") == book.Derive("main", "voice"));
}

TEST_CASE("a token book says which previous secret a fingerprint needs", "[subscription]") {
  const Secret current("after"), before("before"), oldest("oldest");
  const TokenBook book(current, {before, oldest});
  const auto fp = [](const Secret& secret) {
    return TokenFingerprint(DeriveVerificationToken(secret, "main", "sms"));
  };
  CHECK(book.PreviousIndexOf(fp(before), "main", "sms") == size_t{0});
  CHECK(book.PreviousIndexOf(fp(oldest), "main", "sms") == size_t{1});
  CHECK_FALSE(book.PreviousIndexOf(fp(current), "main", "sms").has_value());
  CHECK_FALSE(book.PreviousIndexOf("", "main", "sms").has_value());
  CHECK_FALSE(book.PreviousIndexOf(fp(Secret("unknown")), "main", "sms").has_value());
}

TEST_CASE("a token book drops empty, current and repeated previous secrets and keeps at most four",
          "[subscription]") {
  const TokenBook book(Secret("c"), {Secret("a"), Secret(), Secret("c"), Secret("a"), Secret("b"),
                                     Secret("d"), Secret("e"), Secret("f")});
  CHECK(book.current() == Secret("c"));
  CHECK(book.previous() == std::vector<Secret>{Secret("a"), Secret("b"), Secret("d"), Secret("e")});
  static_assert(TokenBook::kMaxPrevious == 4);
}

TEST_CASE("rotating a token book makes the current secret the newest previous one",
          "[subscription]") {
  const TokenBook book(Secret("b"), {Secret("a")});
  const TokenBook rotated = book.Rotated(Secret("c"));
  CHECK(rotated.current() == Secret("c"));
  CHECK(rotated.previous() == std::vector<Secret>{Secret("b"), Secret("a")});
  // The same secret again is no rotation.
  CHECK(book.Rotated(Secret("b")) == book);
  // Rotating back to a previous secret makes it current and keeps the other.
  const TokenBook back = rotated.Rotated(Secret("b"));
  CHECK(back.current() == Secret("b"));
  CHECK(back.previous() == std::vector<Secret>{Secret("c"), Secret("a")});
  // A fifth rotation forgets the oldest.
  TokenBook many(Secret("0"));
  for (const char* next : {"1", "2", "3", "4", "5"}) many = many.Rotated(Secret(next));
  CHECK(many.previous() == std::vector<Secret>{Secret("4"), Secret("3"), Secret("2"), Secret("1")});
}

TEST_CASE("a token book's Find notes which previous secret it used", "[subscription]") {
  const Secret current("c"), before("b"), oldest("a");
  const TokenBook book(current, {before, oldest});
  const auto fp = [](const Secret& secret, const char* name) {
    return TokenFingerprint(DeriveVerificationToken(secret, "main", name));
  };
  std::set<size_t> used;
  CHECK(book.Find(fp(oldest, "sms"), "main", "sms", &used) ==
        DeriveVerificationToken(oldest, "main", "sms"));
  CHECK(book.Find(fp(current, "voice"), "main", "voice", &used) == book.Derive("main", "voice"));
  CHECK(book.Find("", "main", "fax", &used) == book.Derive("main", "fax"));
  CHECK(used == std::set<size_t>{1});
  // After a walk over every subscription, the unused previous secret can go.
  CHECK(book.Keeping(used).previous() == std::vector<Secret>{oldest});
}

TEST_CASE("a token book keeps only the previous secrets still in use", "[subscription]") {
  const TokenBook book(Secret("c"), {Secret("b"), Secret("a")});
  CHECK(book.Keeping({1}).previous() == std::vector<Secret>{Secret("a")});
  CHECK(book.Keeping({1}).current() == Secret("c"));
  CHECK(book.Keeping({}).previous().empty());
  CHECK(book.Keeping({0, 1}) == book);
}

}  // namespace
}  // namespace subkeeper::subscription
