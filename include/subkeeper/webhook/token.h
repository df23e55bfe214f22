// Verification tokens are derived, not stored: HMAC-SHA256("<account>/<name>") keyed by the
// webhook secret, hex-encoded and cut to 32 characters. An adopted subscription therefore keeps
// working after the database is lost.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/secret.h"

namespace subkeeper::webhook {

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

}  // namespace subkeeper::webhook
