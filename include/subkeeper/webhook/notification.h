// The notification envelope (reference §3.1): uuid, event, timestamp, subscriptionId, ownerId,
// body. Parsing is strict about types and lenient about unknown fields.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper::webhook {

struct Notification {
  std::string uuid;             // required, non-empty string (opaque; not always an RFC 4122 UUID)
  std::string event;            // required, non-empty string
  std::string subscription_id;  // required, non-empty string
  std::string timestamp;        // optional
  std::string owner_id;         // optional
};

// kInvalidArgument with a short reason ("body is not valid JSON", "missing string field 'uuid'")
// when `body` is not a JSON object carrying the required envelope fields.
Result<Notification> ParseNotification(std::string_view body);

}  // namespace subkeeper::webhook
