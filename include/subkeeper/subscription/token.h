// Verification tokens are derived, not stored: HMAC-SHA256("<account>/<name>") keyed by the
// webhook secret, hex-encoded and cut to 32 characters. An adopted subscription therefore keeps
// working after the database is lost.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/secret.h"

namespace subkeeper::subscription {

Secret DeriveVerificationToken(const Secret& webhook_secret, std::string_view account,
                               std::string_view name);

// A short one-way fingerprint of a token (16 hex characters), safe to store and compare:
// it changes when the webhook secret is rotated, and reveals nothing about the token.
std::string TokenFingerprint(const Secret& token);

// The token notifications for (account, name) carry: the one derived from whichever of
// `current` or `previous` secrets has `fingerprint` (the fingerprint recorded when its remote
// subscription was created), so a subscription made before a secret rotation keeps being
// accepted until its make-before-break replacement exists. The current secret's token when no
// fingerprint is known or none matches.
Secret TokenForFingerprint(std::string_view fingerprint, const Secret& current,
                           const std::vector<Secret>& previous, std::string_view account,
                           std::string_view name);

// The one owner of the webhook secrets: the current one, which every new subscription's token is
// derived from, and the previous ones (newest first), which remote subscriptions created before
// a rotation still carry until they are recreated. A value: copy it to publish it; const methods
// are safe to call from any thread.
class TokenBook {
 public:
  // How many previous secrets a book keeps: a rotation beyond that forgets the oldest.
  static constexpr size_t kMaxPrevious = 4;

  TokenBook() = default;
  // `previous` newest first; copies of `current`, empty secrets, duplicates and any beyond
  // kMaxPrevious are dropped.
  explicit TokenBook(Secret current, std::vector<Secret> previous = {});

  const Secret& current() const { return current_; }
  const std::vector<Secret>& previous() const { return previous_; }

  // The token a subscription created now for (account, name) is given, and its fingerprint.
  Secret Derive(std::string_view account, std::string_view name) const;
  std::string Fingerprint(std::string_view account, std::string_view name) const;

  // TokenForFingerprint over this book's secrets. When the token comes from a previous secret
  // and `used` is not null, adds that secret's index into previous() to `used` (see Keeping).
  Secret Find(std::string_view fingerprint, std::string_view account, std::string_view name,
              std::set<size_t>* used = nullptr) const;

  // The index into previous() of the secret whose token for (account, name) has `fingerprint`;
  // nullopt when the current secret's token has it, when none does or `fingerprint` is empty.
  std::optional<size_t> PreviousIndexOf(std::string_view fingerprint, std::string_view account,
                                        std::string_view name) const;

  // The book after the webhook secret became `next`: this book's current secret becomes the
  // newest previous one (unless it is `next`). Returns *this when `next` is the current secret.
  TokenBook Rotated(const Secret& next) const;

  // The book keeping only the previous secrets whose indexes are in `used` (as Find or
  // PreviousIndexOf gave them while walking every stored subscription).
  TokenBook Keeping(const std::set<size_t>& used) const;

  bool operator==(const TokenBook&) const = default;

 private:
  Secret current_;
  std::vector<Secret> previous_;
};

}  // namespace subkeeper::subscription
