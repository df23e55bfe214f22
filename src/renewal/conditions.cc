#include "subkeeper/renewal/conditions.h"

#include <algorithm>

namespace subkeeper::renewal {
namespace {

Condition ReadyCondition(const store::SubscriptionRecord& record, WallTime now) {
  if (record.remote_id.empty()) {
    return {"Ready", false, record.failures > 0 ? "CreateFailed" : "Pending",
            record.failures > 0 ? "creating the subscription failed: " + record.last_error
                                : "the subscription has not been created yet"};
  }
  if (!record.status.active()) {
    return {"Ready", false, "NotActive",
            "the platform reports status " + std::string(record.status.word())};
  }
  if (record.expires_at <= now) {
    return {"Ready", false, "Expired", "the subscription expired and was not renewed"};
  }
  return {"Ready", true, "Active", "active and renewed before expiry"};
}

Condition RenewingCondition(const store::SubscriptionRecord& record) {
  if (record.failures > 0) {
    return {"Renewing", true, "RetryScheduled",
            std::to_string(record.failures) + " failed attempt(s); last: " + record.last_error};
  }
  return {"Renewing", false, "UpToDate", "no failed attempt is waiting for a retry"};
}

Condition BlacklistedCondition(const store::SubscriptionRecord& record) {
  if (record.status.known() && !record.status.active()) {
    const std::string word(record.status.word());
    return {"Blacklisted", true, word,
            record.blacklisted_reason.empty() ? "status " + word : record.blacklisted_reason};
  }
  return {"Blacklisted", false, "NotBlacklisted", "the platform reports no blacklisting"};
}

Condition AuthFailedCondition(const platform::AccountStatus* account) {
  if (account != nullptr && account->state == platform::CredentialState::kAuthFailed) {
    return {"AuthFailed", true, "CredentialRejected",
            "the platform rejected the credential of account " + account->account +
                (account->last_error.empty() ? "" : ": " + account->last_error)};
  }
  return {"AuthFailed", false, "CredentialAccepted", "no rejected login"};
}

Condition ReminderCondition(const store::SubscriptionRecord& record) {
  if (subscription::DeliveryModeOf(record.reminder) == subscription::DeliveryMode::kDirect) {
    return {"ReminderPathBroken", false, "NoReminder",
            "direct delivery: renewed by timer, no reminder expected"};
  }
  if (record.reminder_path_broken) {
    return {"ReminderPathBroken", true, "ReminderMissing",
            "no reminder arrived in the reminder window; renewing by timer"};
  }
  return {"ReminderPathBroken", false, "RemindersArriving", "no reminder was missed"};
}

Condition FiltersCondition(const store::SubscriptionRecord& record) {
  if (!record.disabled_filters.empty()) {
    std::string filters;
    for (const auto& filter : record.disabled_filters)
      filters += (filters.empty() ? "" : ", ") + filter;
    return {"FiltersDisabled", true, "DisabledByPlatform", "disabled: " + filters};
  }
  return {"FiltersDisabled", false, "AllEnabled", "the platform disabled no filter"};
}

}  // namespace

std::vector<Condition> DeriveConditions(const store::SubscriptionRecord& record, WallTime now,
                                        const platform::AccountStatus* account) {
  return {ReadyCondition(record, now),  RenewingCondition(record), BlacklistedCondition(record),
          AuthFailedCondition(account), ReminderCondition(record), FiltersCondition(record)};
}

std::array<bool, kConditionCount> ConditionsHolding(const store::SubscriptionStateView& state,
                                                    WallTime now,
                                                    const platform::AccountStatus* account) {
  // The branches of the *Condition functions above that give status true.
  using Kind = platform::RemoteStatus::Kind;
  const bool active = state.status == Kind::kActive;
  return {!state.remote_id.empty() && active && state.expires_at > now,
          state.failures > 0,
          state.status != Kind::kUnknown && !active,
          account != nullptr && account->state == platform::CredentialState::kAuthFailed,
          state.delivery == subscription::DeliveryMode::kRelay && state.reminder_path_broken,
          state.filters_disabled};
}

std::vector<store::ConditionTransition> Track(const store::SubscriptionRecord& record,
                                              std::vector<Condition>& conditions,
                                              const std::vector<store::ConditionTransition>& stored,
                                              WallTime now) {
  std::vector<store::ConditionTransition> changed;
  for (Condition& c : conditions) {
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const store::ConditionTransition& t) { return t.type == c.type; });
    if (it != stored.end() && it->status == c.status && it->reason == c.reason) {
      c.last_transition = it->since;
      continue;
    }
    // An expiry is known to the millisecond; anything else was first seen now.
    const bool expired = c.type == "Ready" && c.reason == "Expired";
    c.last_transition = expired ? std::min(record.expires_at, now) : now;
    changed.push_back({record.account, record.name, c.type, c.status, c.reason, c.last_transition});
  }
  return changed;
}

}  // namespace subkeeper::renewal
