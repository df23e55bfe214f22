// The controller's webhook routes: what the listener accepts, built from the store's records
// and the applied config, published whole (start-up, reload), per account (after its reconcile)
// or per subscription (after its remote id changed).

#include <optional>
#include <set>

#include "subkeeper/app/controller.h"
#include "subkeeper/common/log.h"
#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::app {
namespace {

store::SubscriptionHead HeadOf(const store::SubscriptionRecord& record) {
  return {record.account, record.name, record.reminder, record.token_fingerprint, record.remote_id};
}

}  // namespace

Controller::Applied Controller::AppliedConfig() {
  MutexLock lock(mu_);
  if (!index_ || index_config_ != config_) {
    index_ = std::make_shared<const reconcile::AccountIndex>(reconcile::IndexByAccount(*config_));
    index_config_ = config_;  // held, so its address cannot be reused by a later config
  }
  return Applied{config_, index_};
}

std::optional<webhook::Route> Controller::RouteFor(const store::SubscriptionHead& record,
                                                   const Applied& applied,
                                                   const subscription::TokenBook& tokens,
                                                   webhook::Interned& interned,
                                                   std::set<size_t>* used) {
  // Direct subscriptions deliver elsewhere; unconfigured ones are not ours to accept.
  if (subscription::DeliveryModeOf(record.reminder) == subscription::DeliveryMode::kDirect)
    return std::nullopt;
  const auto* configured =
      reconcile::FindConfigured(*applied.config, *applied.index, record.account, record.name);
  if (configured == nullptr) return std::nullopt;
  // The route matches the incoming reminder's `event`, which is the filter string.
  return webhook::Route{tokens.Find(record.token_fingerprint, record.account, record.name, used),
                        interned(subscription::ReminderFilter(*record.reminder)), record.remote_id,
                        !configured->deliver_to.empty()};
}

subscription::TokenBook Controller::Tokens() {
  MutexLock lock(mu_);
  return tokens_;
}

void Controller::SetTokens(const subscription::TokenBook& tokens) {
  {
    MutexLock lock(mu_);
    if (tokens_ == tokens) return;
    tokens_ = tokens;
  }
  // Secrets read back from the store were never in this process's config: redact them too.
  for (size_t i = 0; i < subscription::TokenBook::kMaxPrevious; ++i) {
    logging::SetSecret("webhook_secret/previous/" + std::to_string(i),
                       i < tokens.previous().size() ? tokens.previous()[i].Reveal() : "");
  }
  // Kept in memory even when the write fails: only a restart would then forget a rotation.
  Status stored = store::SaveTokenBook(*store_, tokens);
  if (!stored.ok()) logging::KeeperLog().warn("storing the webhook secrets: {}", stored.ToString());
}

webhook::RouteMap Controller::RoutesOf(const std::vector<store::SubscriptionHead>& heads,
                                       webhook::Interned& interned, std::set<size_t>* used) {
  const auto applied = AppliedConfig();
  const auto tokens = Tokens();
  webhook::RouteMap routes;
  for (const auto& head : heads) {
    if (auto route = RouteFor(head, applied, tokens, interned, used))
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
  const auto tokens = Tokens();
  std::set<size_t> used;  // previous secrets a stored subscription still needs
  for (;;) {
    auto page = store_->ListSubscriptionHeads(after ? &*after : nullptr, kPage);
    if (!page.ok()) {
      logging::KeeperLog().error("publishing webhook routes: {}", page.status().ToString());
      return;
    }
    for (const auto& record : *page) accounts.insert(record.account);
    routes.merge(RoutesOf(*page, interned, &used));
    if (page->size() < static_cast<size_t>(kPage)) break;
    after = store::SubscriptionKey{page->back().account, page->back().name};
  }
  routes_.Publish(std::move(routes));
  // Every stored subscription was seen: a rotated-out secret none of them needs is dropped.
  SetTokens(tokens.Keeping(used));
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
  if (*record) route = RouteFor(HeadOf(**record), AppliedConfig(), Tokens(), interned);
  routes_.Update(account + "/" + name, std::move(route));
}

}  // namespace subkeeper::app
