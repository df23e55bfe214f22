// The notification envelope (docs/platform.md §3.1): uuid, event, timestamp, subscriptionId,
// ownerId, body. Parsing is strict about types and lenient about unknown fields.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper::webhook {

// The longest notification uuid accepted. The platform's are opaque (not always RFC 4122: digits
// like "6696560186430840563", or 36-character UUIDs); 128 leaves ample room for other shapes.
inline constexpr size_t kMaxUuidChars = 128;

// Whether `uuid` is an id the relay can put into a `webhook-id` header as it is: 1 to
// kMaxUuidChars characters, each an ASCII letter, digit, '-', '_', '.' or ':'. No space, quote,
// comma, control character or non-ASCII byte: the value is a header field, a Standard Webhooks
// message id (https://www.standardwebhooks.com) and a dedupe key an app may log or index.
bool IsValidUuid(std::string_view uuid);

struct Notification {
  std::string uuid;             // required, IsValidUuid (opaque; not always an RFC 4122 UUID)
  std::string event;            // required, non-empty string
  std::string subscription_id;  // required, non-empty string
  std::string timestamp;        // optional
  std::string owner_id;         // optional
};

// kInvalidArgument with a short reason ("body is not valid JSON", "missing string field 'uuid'",
// "invalid uuid: …") when `body` is not a JSON object carrying the required envelope fields, or
// its uuid is not IsValidUuid.
Result<Notification> ParseNotification(std::string_view body);

}  // namespace subkeeper::webhook
