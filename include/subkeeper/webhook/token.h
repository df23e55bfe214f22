// Verification tokens are derived, not stored: HMAC-SHA256("<account>/<name>") keyed by the
// webhook secret, hex-encoded and cut to 32 characters. An adopted subscription therefore keeps
// working after the database is lost.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/secret.h"

namespace subkeeper::webhook {

Secret DeriveVerificationToken(const Secret& webhook_secret, std::string_view account,
                               std::string_view name);

// A short one-way fingerprint of a token (16 hex characters), safe to store and compare:
// it changes when the webhook secret is rotated, and reveals nothing about the token.
std::string TokenFingerprint(const Secret& token);

}  // namespace subkeeper::webhook
