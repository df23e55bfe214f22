#include "subkeeper/app/status_view.h"

#include "subkeeper/common/time_format.h"
#include "subkeeper/renewal/conditions.h"

namespace subkeeper::app {
namespace {

nlohmann::json TimeOrNull(WallTime t) {
  if (t == WallTime{}) return nullptr;
  return FormatIso8601(t);
}

}  // namespace

nlohmann::json SubscriptionView(const store::SubscriptionRecord& record, WallTime now) {
  nlohmann::json conditions = nlohmann::json::array();
  for (const auto& c : renewal::DeriveConditions(record, now)) {
    conditions.push_back({{"type", c.type},
                          {"status", c.status ? "True" : "False"},
                          {"reason", c.reason},
                          {"message", c.message}});
  }
  return {
      {"account", record.account},
      {"name", record.name},
      {"remote_id",
       record.remote_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.remote_id)},
      {"status", record.status.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.status)},
      {"address", record.address},
      {"event_filters", record.event_filters},
      {"reminder_filter", record.reminder_filter},
      {"expires_at", TimeOrNull(record.expires_at)},
      {"last_renewal",
       {{"at", TimeOrNull(record.last_renewed_at)}, {"trigger", record.last_trigger}}},
      {"next_renewal", TimeOrNull(record.next_renewal_at)},
      {"last_reminder_at", TimeOrNull(record.last_reminder_at)},
      {"failures", record.failures},
      {"last_error",
       record.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.last_error)},
      {"conditions", conditions},
  };
}

nlohmann::json SubscriptionsView(const std::vector<store::SubscriptionRecord>& records,
                                 WallTime now) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& record : records) list.push_back(SubscriptionView(record, now));
  return {{"subscriptions", list}};
}

}  // namespace subkeeper::app
