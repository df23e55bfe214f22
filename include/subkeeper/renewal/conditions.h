// Kubernetes-style conditions of a subscription, derived from its record and its account's
// credential state. Only when each one last changed (lastTransitionTime) is stored.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/store/records.h"

namespace subkeeper::renewal {

struct Condition {
  // Ready | Renewing | Blacklisted | AuthFailed | ReminderPathBroken | FiltersDisabled
  std::string type;
  bool status = false;         // the condition holds
  std::string reason;          // CamelCase word, also when the condition does not hold
  std::string message;         // one sentence for humans, never a secret
  WallTime last_transition{};  // when status or reason last changed (set by Track)
};

// Every condition type, always in this order:
// Ready: a remote subscription is known, Active and not expired at `now`.
// Renewing: the last attempt failed and a retry is scheduled.
// Blacklisted: the platform reported a non-Active status.
// AuthFailed: the platform rejected the account's credential; no call is made for it until
//   its next login attempt (`account` null = unknown: False).
// ReminderPathBroken: reminders did not arrive when due (the timer renews instead).
// FiltersDisabled: the platform listed some filters in disabledFilters.
std::vector<Condition> DeriveConditions(const store::SubscriptionRecord& record, WallTime now,
                                        const platform::AccountStatus* account = nullptr);

inline constexpr size_t kConditionCount = 6;

// Whether each condition holds, in DeriveConditions' order: DeriveConditions(record, now,
// account)[i].status for the record `state` views, without building reasons and messages (a
// scrape derives them for every record).
std::array<bool, kConditionCount> ConditionsHolding(const store::SubscriptionStateView& state,
                                                    WallTime now,
                                                    const platform::AccountStatus* account);

// Sets each condition's last_transition from `stored` (this subscription's transitions): kept
// when status and reason are unchanged, else `now` — except an expiry, which happened at
// expires_at. Returns the transitions to store (changed or new ones).
std::vector<store::ConditionTransition> Track(const store::SubscriptionRecord& record,
                                              std::vector<Condition>& conditions,
                                              const std::vector<store::ConditionTransition>& stored,
                                              WallTime now);

}  // namespace subkeeper::renewal
