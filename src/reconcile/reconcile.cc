#include "subkeeper/reconcile/reconcile.h"

#include "subkeeper/config/checks.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::reconcile {

store::SubscriptionRecord DesiredRecord(const config::SubscriptionConfig& sub,
                                        const std::string& public_url,
                                        const Secret& webhook_secret) {
  store::SubscriptionRecord record;
  record.account = sub.account;
  record.name = sub.name;
  record.event_filters = sub.event_filters;
  record.expires_in_s = sub.expires_in_s;
  if (sub.direct()) {
    record.address = sub.address;
  } else {
    record.address = subscription::RelayAddress(public_url, sub.account, sub.name);
    record.reminder = sub.reminder;
    record.deliver_to = sub.deliver_to;
  }
  record.token_fingerprint = subscription::TokenFingerprint(
      subscription::DeriveVerificationToken(webhook_secret, sub.account, sub.name));
  return record;
}

std::vector<store::SubscriptionRecord> DesiredRecords(const config::Config& config,
                                                      const std::string& public_url) {
  std::vector<store::SubscriptionRecord> desired;
  for (const auto& sub : config.subscriptions) {
    desired.push_back(DesiredRecord(sub, public_url, config.webhook_secret));
  }
  return desired;
}

std::string EffectivePublicUrl(const config::Config& config, int webhook_port) {
  std::string url = config.public_url;
  if (url.empty()) {
    auto listen = config::ParseListenAddress(config.listen.webhooks);
    url = config::LocalHttpUrl(listen ? listen->host : "127.0.0.1", webhook_port);
    if (config.listen.tls.enabled()) url.replace(0, 4, "https");  // the listener speaks TLS
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

AccountIndex IndexByAccount(const config::Config& config) {
  AccountIndex index;
  for (const auto& account : config.accounts) index[account.name];
  for (size_t i = 0; i < config.subscriptions.size(); ++i) {
    auto it = index.find(config.subscriptions[i].account);
    if (it != index.end()) it->second.push_back(i);
  }
  return index;
}

const config::SubscriptionConfig* FindConfigured(const config::Config& config,
                                                 const AccountIndex& index,
                                                 std::string_view account, std::string_view name) {
  auto it = index.find(account);
  if (it == index.end()) return nullptr;
  for (size_t i : it->second) {  // at most 30 per account
    if (config.subscriptions[i].name == name) return &config.subscriptions[i];
  }
  return nullptr;
}

Result<Planned> PlanReconcile(const config::Config& config, const std::string& public_url,
                              store::SubscriptionStore& store, platform::SubscriptionApi& api,
                              WallTime now, const std::set<std::string>* accounts,
                              const AccountIndex* index) {
  const auto in_pass = [accounts](const std::string& account) {
    return accounts == nullptr || accounts->count(account) > 0;
  };
  Planned planned;
  std::vector<std::string> listed;  // an account no longer configured has nothing to list with
  if (accounts != nullptr && index != nullptr) {
    // Only the pass's own subscriptions: a per-account pass over thousands of accounts must
    // not walk every subscription of the config each time.
    for (const auto& account : *accounts) {
      auto it = index->find(account);
      if (it == index->end()) continue;
      listed.push_back(account);
      for (size_t i : it->second) {
        planned.desired.push_back(
            DesiredRecord(config.subscriptions[i], public_url, config.webhook_secret));
      }
    }
  } else {
    for (const auto& sub : config.subscriptions) {
      if (in_pass(sub.account))
        planned.desired.push_back(DesiredRecord(sub, public_url, config.webhook_secret));
    }
    for (const auto& account : config.accounts) {
      if (in_pass(account.name)) listed.push_back(account.name);
    }
  }
  // Without the records of other accounts the planner plans nothing for them: no kForget of
  // a removed account's records unless that account is in the pass. A pass over a few accounts
  // reads only their records (a key range each), so per-account passes over thousands of
  // accounts do not each read the whole store.
  std::vector<store::SubscriptionRecord> known;
  if (accounts == nullptr) {
    SK_ASSIGN_OR_RETURN(known, store.ListSubscriptions());
  } else {
    for (const auto& account : *accounts) {
      SK_ASSIGN_OR_RETURN(auto records, store.ListAccountSubscriptions(account));
      known.insert(known.end(), std::make_move_iterator(records.begin()),
                   std::make_move_iterator(records.end()));
    }
  }
  for (const auto& record : known)
    planned.known_remote_ids[record.account + "/" + record.name] = record.remote_id;
  planned.observed = ObserveAccounts(api, listed, planned.list_errors);
  PlanInput input;
  input.desired = planned.desired;
  input.known = std::move(known);
  input.observed = planned.observed;
  input.public_url = public_url;
  input.now = now;
  planned.plan = MakePlan(input);
  return planned;
}

}  // namespace subkeeper::reconcile
