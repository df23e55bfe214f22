// Where the platform delivers a subscription's notifications, and which addresses are the
// keeper's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/subscription/reminder.h"

namespace subkeeper::subscription {

// kRelay: the platform delivers to the keeper ("<public_url>/webhooks/<account>/<name>"), which
// stores each notification, renews on reminders and relays to the app's deliver_to (if any).
// kDirect: the platform delivers straight to the app's address; no reminder filter is added and
// renewal is timer-only.
enum class DeliveryMode { kRelay, kDirect };

// A subscription with a reminder is relayed (the keeper must see its reminders); one without is
// direct.
inline DeliveryMode DeliveryModeOf(const std::optional<ReminderSpec>& reminder) {
  return reminder ? DeliveryMode::kRelay : DeliveryMode::kDirect;
}

// The event filters a subscription asks the platform for: `event_filters`, then the reminder
// filter when it has a reminder (relay mode). The only place the reminder becomes a filter on
// the way to the platform.
std::vector<std::string> PlatformFilters(std::vector<std::string> event_filters,
                                         const std::optional<ReminderSpec>& reminder);

// The delivery address of a relayed subscription: "<public_url>/webhooks/<account>/<name>"
// (trailing slashes of `public_url` dropped).
std::string RelayAddress(std::string_view public_url, std::string_view account,
                         std::string_view name);

// True when `address` is under "<public_url>/webhooks/", i.e. one the keeper hands out for its
// relayed subscriptions; false for any address when `public_url` is empty.
bool OwnsAddress(std::string_view public_url, std::string_view address);

// Stricter than OwnsAddress: under "<public_url>/webhooks/<account>/". Two configured accounts
// may be the same platform user and list the same subscriptions; each prunes only addresses
// under its own name.
bool OwnsAddressOf(std::string_view public_url, std::string_view account, std::string_view address);

}  // namespace subkeeper::subscription
