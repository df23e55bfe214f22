#include "subkeeper/renewal/conditions.h"

namespace subkeeper::renewal {
namespace {

Condition ReadyCondition(const store::SubscriptionRecord& record, WallTime now) {
  if (record.remote_id.empty()) {
    return {"Ready", false, record.failures > 0 ? "CreateFailed" : "Pending",
            record.failures > 0 ? "creating the subscription failed: " + record.last_error
                                : "the subscription has not been created yet"};
  }
  if (record.status != "Active") {
    return {"Ready", false, "NotActive", "the platform reports status " + record.status};
  }
  if (record.expires_at <= now) {
    return {"Ready", false, "Expired", "the subscription expired and was not renewed"};
  }
  return {"Ready", true, "Active", "active and renewed before expiry"};
}

}  // namespace

std::vector<Condition> DeriveConditions(const store::SubscriptionRecord& record, WallTime now) {
  std::vector<Condition> conditions{ReadyCondition(record, now)};
  if (record.failures > 0) {
    conditions.push_back(
        {"Renewing", true, "RetryScheduled",
         std::to_string(record.failures) + " failed attempt(s); last: " + record.last_error});
  }
  if (!record.status.empty() && record.status != "Active") {
    conditions.push_back({"Blacklisted", true, record.status,
                          record.blacklisted_reason.empty() ? "status " + record.status
                                                            : record.blacklisted_reason});
  }
  if (record.reminder_path_broken) {
    conditions.push_back({"ReminderPathBroken", true, "ReminderMissing",
                          "no reminder arrived in the reminder window; renewing by timer"});
  }
  if (!record.disabled_filters.empty()) {
    std::string filters;
    for (const auto& filter : record.disabled_filters)
      filters += (filters.empty() ? "" : ", ") + filter;
    conditions.push_back({"FiltersDisabled", true, "DisabledByPlatform", "disabled: " + filters});
  }
  return conditions;
}

}  // namespace subkeeper::renewal
