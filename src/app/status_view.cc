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

nlohmann::json RelayView(const store::SubscriptionRecord& record,
                         const store::RelayBacklog* backlog, WallTime now) {
  store::RelayBacklog none;
  const store::RelayBacklog& b = backlog != nullptr ? *backlog : none;
  nlohmann::json age = nullptr;
  if (b.oldest_pending_at != WallTime{}) {
    age = std::chrono::duration_cast<Seconds>(now - b.oldest_pending_at).count();
  }
  return {
      {"deliver_to",
       record.deliver_to.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.deliver_to)},
      {"pending", b.pending},
      {"dead", b.dead},
      {"delivered", b.delivered},
      {"oldest_pending_at", TimeOrNull(b.oldest_pending_at)},
      {"oldest_pending_age_s", age},
      {"last_error", b.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(b.last_error)},
  };
}

nlohmann::json SubscriptionsView(const std::vector<store::SubscriptionRecord>& records,
                                 const std::vector<store::RelayBacklog>& backlogs, WallTime now) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& record : records) {
    nlohmann::json view = SubscriptionView(record, now);
    const store::RelayBacklog* backlog = nullptr;
    for (const auto& b : backlogs) {
      if (b.account == record.account && b.name == record.name) backlog = &b;
    }
    view["relay"] = RelayView(record, backlog, now);
    list.push_back(std::move(view));
  }
  return {{"subscriptions", list}};
}

}  // namespace subkeeper::app
