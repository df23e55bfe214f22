// Standard Webhooks signing (https://www.standardwebhooks.com, spec "Signature scheme"): what the
// relay puts on every request to the app so it can check the sender and the freshness.
//   webhook-id:        the event uuid (stable across retries, so the app can deduplicate)
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "subkeeper/common/secret.h"

namespace subkeeper::relay {

// The HMAC key for a configured signing secret. A secret written the Standard Webhooks way,
// "whsec_" + base64(key), yields the decoded key (so the app can use a Standard Webhooks library
// with the same string); any other secret is used as raw bytes.
std::string SigningKey(const Secret& secret);

// A fresh Standard Webhooks secret: "whsec_" + base64 of 32 random bytes (the specification asks
// for 24 to 64).
Secret NewSigningSecret();

// "v1,<base64 signature>" for one delivery attempt.
std::string Sign(std::string_view key, std::string_view id, int64_t timestamp_s,
                 std::string_view body);

// What an app does: true when any space-separated "v1,<sig>" in `signature_header` matches
// (constant-time compare) and |now_s - timestamp_s| <= tolerance_s. Used by tests and the
// example receiver.
bool Verify(std::string_view key, std::string_view id, std::string_view timestamp_header,
            std::string_view body, std::string_view signature_header, int64_t now_s,
            int64_t tolerance_s = 300);

}  // namespace subkeeper::relay
