#include "subkeeper/reconcile/startup.h"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>

#include "subkeeper/config/reminder.h"
#include "subkeeper/renewal/policy.h"

namespace subkeeper::reconcile {
namespace {

using platform::RemoteSubscription;

const RemoteSubscription* FindById(const std::vector<RemoteSubscription>& listed,
                                   const std::string& id) {
  for (const auto& remote : listed) {
    if (remote.id == id) return &remote;
  }
  return nullptr;
}

// Adoption matches the exact address; among several, the Active one that lives longest wins.
const RemoteSubscription* FindByAddress(const std::vector<RemoteSubscription>& listed,
                                        const std::string& address) {
  const RemoteSubscription* best = nullptr;
  for (const auto& remote : listed) {
    if (remote.address != address) continue;
    const bool better =
        !best || (remote.status == "Active" && best->status != "Active") ||
        (remote.status == best->status && remote.expiration_time > best->expiration_time);
    if (better) best = &remote;
  }
  return best;
}

store::HistoryEntry Entry(const store::SubscriptionRecord& record, std::string kind,
                          std::string detail, WallTime now) {
  store::HistoryEntry entry;
  entry.at = now;
  entry.account = record.account;
  entry.name = record.name;
  entry.kind = std::move(kind);
  entry.remote_id = record.remote_id;
  entry.detail = std::move(detail);
  return entry;
}

// Decides one subscription against the account's list (nullptr when the list call failed).
std::optional<store::HistoryEntry> Reconcile(store::SubscriptionRecord& record,
                                             const std::vector<RemoteSubscription>* listed,
                                             int64_t direct_margin_pct, WallTime now,
                                             StartupReport& report) {
  if (!listed) {
    if (record.remote_id.empty()) record.next_renewal_at = now;
    return std::nullopt;
  }
  if (!record.remote_id.empty()) {
    if (const auto* remote = FindById(*listed, record.remote_id)) {
      renewal::CopyObserved(*remote, record);
      ++report.checked;
      if (remote->status != "Active") {
        ++report.inactive;
        record.next_renewal_at = now;
      }
      return std::nullopt;
    }
    ++report.missing;
    auto entry = Entry(record, "expired", "not listed by the platform at start-up", now);
    record.remote_id.clear();
    record.status.clear();
    record.next_renewal_at = now;
    return entry;
  }
  if (const auto* remote = FindByAddress(*listed, record.address)) {
    renewal::CopyObserved(*remote, record);
    ++report.adopted;
    record.last_renewed_at = now;
    record.next_renewal_at =
        remote->status == "Active"
            ? std::max(now, renewal::FallbackAt(record.expires_at, record.granted_ttl_s,
                                                record.reminder_filter, direct_margin_pct))
            : now;
    return Entry(record, "adopted", "matched by address", now);
  }
  ++report.to_create;
  record.next_renewal_at = now;
  return std::nullopt;
}

}  // namespace

store::SubscriptionRecord DesiredRecord(const config::SubscriptionConfig& sub,
                                        const std::string& public_url) {
  store::SubscriptionRecord record;
  record.account = sub.account;
  record.name = sub.name;
  record.event_filters = sub.event_filters;
  record.expires_in_s = sub.expires_in_s;
  if (sub.direct()) {
    record.address = sub.address;
  } else {
    record.address = config::RelayAddress(public_url, sub.account, sub.name);
    record.reminder_filter = config::ReminderFilter(sub.reminder);
    record.deliver_to = sub.deliver_to;
  }
  return record;
}

void MergeDesired(const store::SubscriptionRecord& desired, store::SubscriptionRecord& record) {
  record.account = desired.account;
  record.name = desired.name;
  record.event_filters = desired.event_filters;
  record.expires_in_s = desired.expires_in_s;
  record.reminder_filter = desired.reminder_filter;
  record.address = desired.address;
  record.deliver_to = desired.deliver_to;
}

Result<StartupReport> ReconcileAtStartup(const config::Config& config,
                                         const std::string& public_url, store::Store& store,
                                         platform::SubscriptionApi& api, const Clock& clock) {
  const WallTime now = clock.Now();
  StartupReport report;
  std::map<std::string, std::optional<std::vector<RemoteSubscription>>> listed;
  for (const auto& account : config.accounts) {
    auto result = api.List(account.name);
    if (result.ok()) {
      listed[account.name] = std::move(result).value();
    } else {
      listed[account.name] = std::nullopt;
      report.errors.push_back(account.name + ": " + result.status().ToString());
      spdlog::warn("start-up list of account {} failed: {}", account.name,
                   result.status().ToString());
    }
  }
  for (const auto& sub : config.subscriptions) {
    SK_ASSIGN_OR_RETURN(auto known, store.GetSubscription(sub.account, sub.name));
    const auto desired = DesiredRecord(sub, public_url);
    store::SubscriptionRecord record = known ? *known : desired;
    MergeDesired(desired, record);
    const auto& list = listed[sub.account];
    auto history =
        Reconcile(record, list ? &*list : nullptr, config.renewal.direct_margin_pct, now, report);
    SK_RETURN_IF_ERROR(store.PutSubscription(record, history));
  }
  return report;
}

}  // namespace subkeeper::reconcile
