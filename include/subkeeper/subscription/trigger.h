// What last renewed or (re)defined a subscription, kept with its record and in its history. Typed
// in memory; the text is written only where it leaves the process (the store's columns, the
// status view, metrics labels, command output).
#pragma once

#include <optional>
#include <string_view>

namespace subkeeper::subscription {

enum class RenewedBy {
  kNone,      // nothing yet (or, in history, a row that is not a renewal)
  kReminder,  // a reminder from the platform
  kTimer,     // the fallback timer
  kManual,    // an operator's request
  kStartup,   // the start-up pass
  kCreate,    // created (or recreated)
  kAdopt,     // an existing remote subscription was adopted
  kUpdate,    // its definition was updated in place (a PUT, which renews too)
};

// "", "reminder", "timer", "manual", "startup", "create", "adopt", "update".
std::string_view RenewedByText(RenewedBy by);

// The inverse of RenewedByText; nullopt for any other text.
std::optional<RenewedBy> ParseRenewedBy(std::string_view text);

}  // namespace subkeeper::subscription
