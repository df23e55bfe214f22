// RingCentral subscription resources as the keeper sees them (field names follow the spec's
// SubscriptionInfo; see docs/platform.md §1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"

namespace subkeeper::platform {

struct DisabledFilter {
  std::string filter;
  std::string reason;
  std::string message;
};

// A subscription's status as the platform reports it. The spec lists Active and Blacklisted;
// specs up to 2024-03 also listed Suspended. Any other word is kept (for messages and the store)
// and, like every status but Active, means the subscription is dead (docs/platform.md §4).
class RemoteStatus {
 public:
  enum class Kind { kUnknown, kActive, kBlacklisted, kSuspended, kOther };

  RemoteStatus() = default;  // unknown: the platform has said nothing yet
  static RemoteStatus Active() { return RemoteStatus(Kind::kActive); }
  // The status for the platform's word: "" is unknown, an unlisted word is kOther.
  static RemoteStatus Of(std::string_view word);
  // The kind alone, for readers that need no message (no allocation).
  static Kind KindOf(std::string_view word);

  Kind kind() const { return kind_; }
  bool known() const { return kind_ != Kind::kUnknown; }
  bool active() const { return kind_ == Kind::kActive; }
  // The platform's word ("Active", "Blacklisted", …); "" when unknown.
  std::string_view word() const;

  friend bool operator==(const RemoteStatus&, const RemoteStatus&) = default;

 private:
  explicit RemoteStatus(Kind kind) : kind_(kind) {}

  Kind kind_ = Kind::kUnknown;
  std::string other_;  // the word, for kOther only
};

struct RemoteSubscription {
  std::string id;
  RemoteStatus status;
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
