// RingCentral subscription resources as the keeper sees them (field names follow the spec's
// SubscriptionInfo; see docs/platform.md §1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"

namespace subkeeper::platform {

struct DisabledFilter {
  std::string filter;
  std::string reason;
  std::string message;
};

struct RemoteSubscription {
  std::string id;
  std::string status;  // "Active", "Blacklisted", or any other string the platform sends
  std::vector<std::string> event_filters;  // as returned: `~` rewritten, reminder filter verbatim
  std::vector<DisabledFilter> disabled_filters;
  std::string transport_type;  // "WebHook"
  std::string address;         // deliveryMode.address
  WallTime creation_time{};
  WallTime expiration_time{};
  int64_t expires_in_s = 0;        // seconds remaining when the answer was made
  std::string blacklisted_reason;  // blacklistedData.reason; "" when absent
  WallTime blacklisted_at{};
};

struct CreateRequest {
  std::vector<std::string> event_filters;  // including the reminder filter in relay mode
  int64_t expires_in_s = 0;                // top-level expiresIn (never inside deliveryMode)
  std::string address;
  Secret verification_token;  // deliveryMode.verificationToken; omitted when empty
};

struct UpdateRequest {
  std::vector<std::string> event_filters;
  std::optional<int64_t> expires_in_s;
};

// The platform's throttling groups (docs/platform.md §7).
enum class RateGroup { kLight, kMedium, kHeavy, kAuth };
const char* RateGroupName(RateGroup group);  // "Light", …

}  // namespace subkeeper::platform
