// The keeper's webhook routes: what the listener accepts, built from the store's records and
// the applied config, published whole (start-up, reload), per account (after its reconcile) or
// per subscription (after its remote id changed).
#include <spdlog/spdlog.h>

#include "keeper.h"
#include "subkeeper/webhook/token.h"

namespace subkeeper::app {

// Which configured subscriptions are relayed (have a deliver_to), by "account/name".
std::shared_ptr<const std::map<std::string, bool>> Keeper::RouteKeys() {
  std::lock_guard lock(mu_);
  if (!route_keys_ || route_keys_config_ != config_) {
    auto keys = std::make_shared<std::map<std::string, bool>>();
    for (const auto& sub : config_->subscriptions)
      (*keys)[sub.account + "/" + sub.name] = !sub.deliver_to.empty();
    route_keys_ = std::move(keys);
    route_keys_config_ = config_;  // held, so its address cannot be reused by a later config
  }
  return route_keys_;
}

std::optional<webhook::Route> Keeper::RouteFor(const store::SubscriptionRecord& record,
                                               const std::map<std::string, bool>& keys,
                                               const std::vector<Secret>& previous) {
  const auto config = Current();
  auto it = keys.find(record.account + "/" + record.name);
  // Direct subscriptions deliver elsewhere; unconfigured ones are not ours to accept.
  if (record.reminder_filter.empty() || it == keys.end()) return std::nullopt;
  return webhook::Route{
      record.account,
      record.name,
      webhook::TokenForFingerprint(record.token_fingerprint, config->webhook_secret, previous,
                                   record.account, record.name),
      record.reminder_filter,
      record.remote_id,
      it->second};
}

std::vector<Secret> Keeper::PreviousSecrets() {
  std::lock_guard lock(mu_);
  return previous_secrets_;
}

webhook::RouteMap Keeper::RoutesOf(const std::vector<store::SubscriptionRecord>& records) {
  const auto keys = RouteKeys();
  const auto previous = PreviousSecrets();
  webhook::RouteMap routes;
  for (const auto& record : records) {
    if (auto route = RouteFor(record, *keys, previous))
      routes[record.account + "/" + record.name] = std::move(*route);
  }
  return routes;
}

void Keeper::PublishRoutes() {
  auto records = store_->ListSubscriptions();
  if (!records.ok()) {
    spdlog::error("publishing webhook routes: {}", records.status().ToString());
    return;
  }
  routes_.Publish(RoutesOf(*records));
  // Read once here for ForgetRemovedAccounts, which follows every full publish (start-up,
  // reload): a second full read of 100k records would double the start-up time.
  stored_accounts_.clear();
  for (const auto& record : *records) stored_accounts_.insert(record.account);
}

void Keeper::PublishAccountRoutes(const std::string& account) {
  auto records = store_->ListAccountSubscriptions(account);
  if (!records.ok()) {
    spdlog::error("publishing webhook routes of {}: {}", account, records.status().ToString());
    return;
  }
  routes_.PublishAccount(account, RoutesOf(*records));
}

void Keeper::PublishRoute(const std::string& account, const std::string& name) {
  auto record = store_->GetSubscription(account, name);
  if (!record.ok()) {
    spdlog::error("publishing webhook route of {}/{}: {}", account, name,
                  record.status().ToString());
    return;
  }
  std::optional<webhook::Route> route;
  if (*record) route = RouteFor(**record, *RouteKeys(), PreviousSecrets());
  routes_.Update(account + "/" + name, std::move(route));
}

}  // namespace subkeeper::app
