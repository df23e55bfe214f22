#include "subkeeper/subscription/token.h"

#include <algorithm>
#include <string>

#include "subkeeper/common/crypto.h"

namespace subkeeper::subscription {

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

TokenBook::TokenBook(Secret current, std::vector<Secret> previous) : current_(std::move(current)) {
  for (Secret& secret : previous) {
    if (previous_.size() == kMaxPrevious) break;
    if (secret.empty() || secret == current_) continue;
    if (std::find(previous_.begin(), previous_.end(), secret) != previous_.end()) continue;
    previous_.push_back(std::move(secret));
  }
}

Secret TokenBook::Derive(std::string_view account, std::string_view name) const {
  return DeriveVerificationToken(current_, account, name);
}

std::string TokenBook::Fingerprint(std::string_view account, std::string_view name) const {
  return TokenFingerprint(Derive(account, name));
}

Secret TokenBook::Find(std::string_view fingerprint, std::string_view account,
                       std::string_view name, std::set<size_t>* used) const {
  const std::optional<size_t> index = PreviousIndexOf(fingerprint, account, name);
  if (!index) return Derive(account, name);
  if (used != nullptr) used->insert(*index);
  return DeriveVerificationToken(previous_[*index], account, name);
}

std::optional<size_t> TokenBook::PreviousIndexOf(std::string_view fingerprint,
                                                 std::string_view account,
                                                 std::string_view name) const {
  if (fingerprint.empty() || previous_.empty() || Fingerprint(account, name) == fingerprint)
    return std::nullopt;
  for (size_t i = 0; i < previous_.size(); ++i) {
    if (TokenFingerprint(DeriveVerificationToken(previous_[i], account, name)) == fingerprint)
      return i;
  }
  return std::nullopt;
}

TokenBook TokenBook::Rotated(const Secret& next) const {
  if (next == current_) return *this;
  std::vector<Secret> previous{current_};
  previous.insert(previous.end(), previous_.begin(), previous_.end());
  return TokenBook(next, std::move(previous));
}

TokenBook TokenBook::Keeping(const std::set<size_t>& used) const {
  std::vector<Secret> kept;
  for (size_t i = 0; i < previous_.size(); ++i) {
    if (used.count(i) > 0) kept.push_back(previous_[i]);
  }
  return TokenBook(current_, std::move(kept));
}

}  // namespace subkeeper::subscription
