#include "subkeeper/webhook/token.h"

#include <string>

#include "subkeeper/common/crypto.h"

namespace subkeeper::webhook {

namespace {
// 32 hex characters = 128 bits of the MAC: ample against guessing, and short enough for any
// limit the platform might put on deliveryMode.verificationToken (its rules are undocumented).
constexpr size_t kTokenChars = 32;
}  // namespace

Secret DeriveVerificationToken(const Secret& webhook_secret, std::string_view account,
                               std::string_view name) {
  std::string message;
  message.reserve(account.size() + 1 + name.size());
  message.append(account).append("/").append(name);
  return Secret(HexEncode(HmacSha256(webhook_secret.Reveal(), message)).substr(0, kTokenChars));
}

std::string TokenFingerprint(const Secret& token) {
  // Keyed with a fixed label so the fingerprint is not a plain hash of the token.
  return HexEncode(HmacSha256("subkeeper-token-fingerprint", token.Reveal())).substr(0, 16);
}

Secret TokenForFingerprint(std::string_view fingerprint, const Secret& current,
                           const std::vector<Secret>& previous, std::string_view account,
                           std::string_view name) {
  Secret token = DeriveVerificationToken(current, account, name);
  // Without previous secrets the answer is `token` either way: skip the fingerprint's HMAC
  // (one per stored subscription at start-up).
  if (fingerprint.empty() || previous.empty() || TokenFingerprint(token) == fingerprint)
    return token;
  for (const Secret& old_secret : previous) {
    Secret old_token = DeriveVerificationToken(old_secret, account, name);
    if (TokenFingerprint(old_token) == fingerprint) return old_token;
  }
  return token;
}

}  // namespace subkeeper::webhook
