// The controller's webhook routes: what the listener accepts, built from the store's records
// and the applied config, published whole (start-up, reload), per account (after its reconcile)
// or per subscription (after its remote id changed).

#include <optional>
#include <set>

#include "subkeeper/app/controller.h"
#include "subkeeper/common/log.h"
#include "subkeeper/webhook/token.h"

namespace subkeeper::app {
namespace {

store::SubscriptionHead HeadOf(const store::SubscriptionRecord& record) {
  return {record.account, record.name, record.reminder_filter, record.token_fingerprint,
          record.remote_id};
}

}  // namespace

Controller::Applied Controller::AppliedConfig() {
  std::lock_guard lock(mu_);
  if (!index_ || index_config_ != config_) {
    index_ = std::make_shared<const reconcile::AccountIndex>(reconcile::IndexByAccount(*config_));
    index_config_ = config_;  // held, so its address cannot be reused by a later config
  }
  return Applied{config_, index_};
}

std::optional<webhook::Route> Controller::RouteFor(const store::SubscriptionHead& record,
                                                   const Applied& applied,
                                                   const std::vector<Secret>& previous,
                                                   webhook::Interned& interned) {
  // Direct subscriptions deliver elsewhere; unconfigured ones are not ours to accept.
  if (record.reminder_filter.empty()) return std::nullopt;
  const auto* configured =
      reconcile::FindConfigured(*applied.config, *applied.index, record.account, record.name);
  if (configured == nullptr) return std::nullopt;
  return webhook::Route{
      webhook::TokenForFingerprint(record.token_fingerprint, applied.config->webhook_secret,
                                   previous, record.account, record.name),
      interned(record.reminder_filter), record.remote_id, !configured->deliver_to.empty()};
}

std::vector<Secret> Controller::PreviousSecrets() {
  std::lock_guard lock(mu_);
  return previous_secrets_;
}

webhook::RouteMap Controller::RoutesOf(const std::vector<store::SubscriptionHead>& heads,
                                       webhook::Interned& interned) {
  const auto applied = AppliedConfig();
  const auto previous = PreviousSecrets();
  webhook::RouteMap routes;
  for (const auto& head : heads) {
    if (auto route = RouteFor(head, applied, previous, interned))
      routes[head.account + "/" + head.name] = std::move(*route);
  }
  return routes;
}

void Controller::PublishRoutes() {
  // Read in pages of heads: at 100k subscriptions the whole records of the whole store at once
  // were the largest allocation of the keeper's life (about 130 MB at start-up).
  constexpr int kPage = 1000;
  webhook::RouteMap routes;
  std::set<std::string> accounts;
  std::optional<store::SubscriptionKey> after;
  webhook::Interned interned;  // across pages: one copy of each reminder filter
  for (;;) {
    auto page = store_->ListSubscriptionHeads(after ? &*after : nullptr, kPage);
    if (!page.ok()) {
      logging::KeeperLog().error("publishing webhook routes: {}", page.status().ToString());
      return;
    }
    for (const auto& record : *page) accounts.insert(record.account);
    routes.merge(RoutesOf(*page, interned));
    if (page->size() < static_cast<size_t>(kPage)) break;
    after = store::SubscriptionKey{page->back().account, page->back().name};
  }
  routes_.Publish(std::move(routes));
  // Kept for ForgetRemovedAccounts, which follows every full publish (start-up, reload): a
  // second walk over 100k records would double the start-up time.
  stored_accounts_ = std::move(accounts);
}

void Controller::PublishAccountRoutes(const std::string& account) {
  auto records = store_->ListAccountSubscriptions(account);
  if (!records.ok()) {
    logging::KeeperLog({account}).error("publishing the account's webhook routes: {}",
                                        records.status().ToString());
    return;
  }
  std::vector<store::SubscriptionHead> heads;
  heads.reserve(records->size());
  for (const auto& record : *records) heads.push_back(HeadOf(record));
  webhook::Interned interned;
  routes_.PublishAccount(account, RoutesOf(heads, interned));
}

void Controller::PublishRoute(const std::string& account, const std::string& name) {
  auto record = store_->GetSubscription(account, name);
  if (!record.ok()) {
    logging::KeeperLog({account, name})
        .error("publishing the webhook route: {}", record.status().ToString());
    return;
  }
  std::optional<webhook::Route> route;
  webhook::Interned interned;
  if (*record) route = RouteFor(HeadOf(**record), AppliedConfig(), PreviousSecrets(), interned);
  routes_.Update(account + "/" + name, std::move(route));
}

}  // namespace subkeeper::app
