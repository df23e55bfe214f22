#include "subkeeper/app/status_view.h"

#include <map>
#include <string_view>

#include "subkeeper/common/log.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::app {
namespace {

nlohmann::json TimeOrNull(WallTime t) {
  if (t == WallTime{}) return nullptr;
  return FormatIso8601(t);
}

// An error text as shown: null when empty, else scrubbed like a log line (a second line of
// defence: what reaches the store is already redacted where it was made).
nlohmann::json ErrorOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return logging::Scrub(text);
}

}  // namespace

nlohmann::json DisplayedStatus(const store::SubscriptionRecord& record, WallTime now) {
  if (!record.status.known()) return nullptr;
  // The platform's status as of the last answer: past expires_at it no longer holds, whatever
  // that answer said, until a renewal or the reconcile stores a new one.
  if (record.expires_at != WallTime{} && record.expires_at <= now) return kExpiredStatus;
  return std::string(record.status.word());
}

nlohmann::json SubscriptionView(const store::SubscriptionRecord& record, WallTime now,
                                const std::vector<renewal::Condition>* derived) {
  std::vector<renewal::Condition> own;
  if (derived == nullptr) {
    own = renewal::DeriveConditions(record, now);
    derived = &own;
  }
  nlohmann::json conditions = nlohmann::json::array();
  for (const auto& c : *derived) {
    conditions.push_back({{"type", c.type},
                          {"status", c.status ? "True" : "False"},
                          {"reason", c.reason},
                          {"message", logging::Scrub(c.message)},
                          {"last_transition_time", TimeOrNull(c.last_transition)}});
  }
  return {
      {"account", record.account},
      {"name", record.name},
      {"remote_id",
       record.remote_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.remote_id)},
      {"status", DisplayedStatus(record, now)},
      {"address", record.address},
      {"event_filters", record.event_filters},
      {"reminder_filter",
       record.reminder ? subscription::ReminderFilter(*record.reminder) : std::string()},
      {"expires_at", TimeOrNull(record.expires_at)},
      {"last_renewal",
       {{"at", TimeOrNull(record.last_renewed_at)},
        {"trigger", std::string(subscription::RenewedByText(record.last_trigger))}}},
      {"next_renewal", TimeOrNull(record.next_renewal_at)},
      {"last_reminder_at", TimeOrNull(record.last_reminder_at)},
      {"failures", record.failures},
      {"last_error", ErrorOrNull(record.last_error)},
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
      {"last_error", ErrorOrNull(b.last_error)},
  };
}

nlohmann::json SubscriptionsView(const std::vector<store::SubscriptionRecord>& records,
                                 const std::vector<store::RelayBacklog>& backlogs, WallTime now,
                                 const std::vector<std::vector<renewal::Condition>>* conditions) {
  // Indexed once: tens of thousands of subscriptions must not cost a quadratic lookup.
  std::map<std::pair<std::string_view, std::string_view>, const store::RelayBacklog*> by_key;
  for (const auto& b : backlogs) by_key[{b.account, b.name}] = &b;
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i];
    nlohmann::json view =
        SubscriptionView(record, now, conditions != nullptr ? &(*conditions)[i] : nullptr);
    auto it = by_key.find({record.account, record.name});
    view["relay"] = RelayView(record, it != by_key.end() ? it->second : nullptr, now);
    list.push_back(std::move(view));
  }
  return {{"subscriptions", list}};
}

nlohmann::json AccountsView(const std::vector<platform::AccountStatus>& accounts,
                            const std::vector<platform::RateLimitSnapshot>& limits, WallTime now,
                            SteadyTime steady_now) {
  std::map<std::string_view, nlohmann::json> groups;
  for (const auto& limit : limits) {
    nlohmann::json blocked = nullptr;
    if (limit.blocked_until > steady_now) {
      blocked = FormatIso8601(now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                        limit.blocked_until - steady_now));
    }
    auto& list = groups[limit.account];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back({{"group", platform::RateGroupName(limit.group)},
                    {"limit", limit.limit},
                    {"remaining", limit.remaining},
                    {"window_s", limit.window.count()},
                    {"blocked_until", blocked}});
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& account : accounts) {
    auto it = groups.find(account.account);
    list.push_back({
        {"name", account.account},
        {"state", std::string(platform::CredentialStateText(account.state))},
        {"access_expires_at", TimeOrNull(account.access_expires_at)},
        {"refresh_expires_at", TimeOrNull(account.refresh_expires_at)},
        {"auth_failures", account.auth_failures},
        {"next_login_at", TimeOrNull(account.next_login_at)},
        {"last_error", ErrorOrNull(account.last_error)},
        {"rate_limits", it != groups.end() ? it->second : nlohmann::json::array()},
    });
  }
  return {{"accounts", list}};
}

nlohmann::json ClaimView(const store::AccountClaim* claim, std::string_view self, WallTime now) {
  const bool live = claim != nullptr && !claim->owner.empty() && claim->until > now;
  return {{"holder", live ? nlohmann::json(claim->owner) : nlohmann::json(nullptr)},
          {"epoch", claim != nullptr ? claim->epoch : 0},
          {"until", live ? nlohmann::json(FormatIso8601(claim->until)) : nlohmann::json(nullptr)},
          {"this_keeper", live && claim->owner == self}};
}

}  // namespace subkeeper::app
