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

}  // namespace subkeeper::webhook
