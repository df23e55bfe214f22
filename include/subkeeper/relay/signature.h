// Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"): what the
// relay puts on every request to the app so it can check the sender and the freshness.
//   webhook-id:        the event uuid (stable across retries, so the app can deduplicate)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), one
//                      per configured key, space-separated (the spec allows several, so a key can
//                      be rotated: the app accepts a request when any signature matches its key)
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/secret.h"

namespace subkeeper::relay {

// A Standard Webhooks secret is "whsec_" + canonical standard base64 (with padding) of a 24..64
// byte key: what stock libraries (e.g. npm standardwebhooks, svix) accept, since they strip
// "whsec_" and base64-decode the rest of every secret they are given.
inline constexpr size_t kMinSigningKeyBytes = 24;
inline constexpr size_t kMaxSigningKeyBytes = 64;

// Why `value` is not a Standard Webhooks secret, or nullopt when it is one. The reason never
// contains any part of `value` (it ends up in config errors).
std::optional<std::string> SigningSecretProblem(std::string_view value);

// The HMAC key of a Standard Webhooks secret (the decoded bytes); nullopt when `secret` is not
// one (see SigningSecretProblem). There is no raw-bytes fallback: a key the app's library would
// decode differently would sign requests nobody can verify.
std::optional<std::string> SigningKey(const Secret& secret);

// A fresh Standard Webhooks secret: "whsec_" + base64 of 32 random bytes (the specification asks
// for 24 to 64).
Secret NewSigningSecret();

// "v1,<base64 signature>" for one delivery attempt.
std::string Sign(std::string_view key, std::string_view id, int64_t timestamp_s,
                 std::string_view body);

// The webhook-signature header value: Sign() under each of `keys`, in order, separated by single
// spaces ("" when `keys` is empty).
std::string SignAll(const std::vector<std::string>& keys, std::string_view id, int64_t timestamp_s,
                    std::string_view body);

// What an app does: true when any space-separated "v1,<sig>" in `signature_header` matches
// (constant-time compare) and |now_s - timestamp_s| <= tolerance_s. Used by tests and the
// example receiver.
bool Verify(std::string_view key, std::string_view id, std::string_view timestamp_header,
            std::string_view body, std::string_view signature_header, int64_t now_s,
            int64_t tolerance_s = 300);

}  // namespace subkeeper::relay
