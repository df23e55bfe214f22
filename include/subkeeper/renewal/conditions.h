// Kubernetes-style conditions of a subscription, derived (never stored) from its record.
#pragma once

#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/records.h"

namespace subkeeper::renewal {

struct Condition {
  std::string type;     // Ready | Renewing | Blacklisted | ReminderPathBroken | FiltersDisabled
  bool status = false;  // the condition holds
  std::string reason;   // CamelCase word
  std::string message;  // one sentence for humans, never a secret
};

// Ready: a remote subscription is known, Active and not expired at `now`.
// Renewing: the last attempt failed and a retry is scheduled.
// Blacklisted: the platform reported a non-Active status.
// ReminderPathBroken: reminders did not arrive when due (the timer renews instead).
// FiltersDisabled: the platform listed some filters in disabledFilters.
// Ready is always present; the others only when they hold.
std::vector<Condition> DeriveConditions(const store::SubscriptionRecord& record, WallTime now);

}  // namespace subkeeper::renewal
