#include "keeper_rig.h"

#include <cstdio>
#include <cstdlib>

#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::sim {
namespace {

constexpr const char* kLeaseOwner = "subkeeper@sim";

std::set<std::string> AccountNames(const config::Config& config) {
  std::set<std::string> names;
  for (const auto& account : config.accounts) names.insert(account.name);
  return names;
}

}  // namespace

Result<store::InsertOutcome> SyncSink::Commit(store::EventRecord event, SteadyTime /*deadline*/) {
  SK_ASSIGN_OR_RETURN(auto outcomes, store_.InsertEvents({std::move(event)}));
  if (outcomes.size() != 1) return Status::Internal("one event, one outcome");
  return outcomes.front();
}

KeeperRig::KeeperRig(const config::Config& config, const std::string& sqlite_path,
                     const Clock& clock, KeeperTransport& transport, std::function<double()> random,
                     Seconds max_reminder_spread)
    : config_(config),
      clock_(clock),
      transport_(transport),
      cadence_(reconcile::CadenceOptions{Seconds(config.renewal.reconcile_interval_s), Seconds(30)},
               random) {
  auto opened = store::OpenSqliteStore(sqlite_path, clock_);
  if (!opened.ok()) {
    std::fprintf(stderr, "simulation: cannot open %s: %s\n", sqlite_path.c_str(),
                 opened.status().ToString().c_str());
    std::abort();
  }
  store_ = std::move(opened).value();
  api_ = app::MakePlatformClient(config_, transport_, clock_, store_.get());
  service_ = std::make_unique<renewal::RenewalService>(
      *store_, *api_, clock_, app::MakeServiceOptions(config_, kLeaseOwner), random);
  service_->SetOnRemoteChange([this](const std::string& account, const std::string&) {
    changed_accounts_.insert(account);
  });
  renewal::SchedulerOptions scheduler_options;
  scheduler_options.max_reminder_spread = max_reminder_spread;
  scheduler_options.unit_random = random;
  scheduler_ = std::make_unique<renewal::Scheduler>(*store_, *service_, clock_, scheduler_options);
  executor_ = std::make_unique<reconcile::Executor>(*store_, *api_, *service_, clock_);
  sink_ = std::make_unique<SyncSink>(*store_);
  webhook::ReceiverOptions receiver_options;
  receiver_options.max_body_bytes = static_cast<size_t>(config_.server.max_body_bytes);
  receiver_ = std::make_unique<webhook::WebhookReceiver>(
      routes_, *sink_,
      [this](const std::string& account, const std::string& name, const std::string& id) {
        scheduler_->OnReminder(account, name, id);
      },
      clock_, receiver_options);
  std::set<std::string> keys;
  for (const auto& sub : config_.subscriptions) keys.insert(sub.account + "/" + sub.name);
  scheduler_->SetConfigured(std::move(keys));
}

KeeperRig::~KeeperRig() = default;

void KeeperRig::StartUp(WallTime now) {
  // Routes first, as keeper.cc does: reminders may arrive while the start-up reconcile runs.
  PublishRoutesIfChanged();
  const bool complete = Reconcile(nullptr, now);
  const WallTime after = clock_.Now();
  cadence_.SetAccounts(AccountNames(config_), after, Seconds(config_.renewal.reconcile_interval_s));
  if (!complete) cadence_.Expedite("", after + Seconds(30));
  next_keepalive_ = after;
}

bool KeeperRig::Reconcile(const std::set<std::string>* accounts, WallTime now) {
  transport_.set_reconciling(true);
  auto planned = reconcile::PlanReconcile(config_, config_.public_url, *store_, *api_, now,
                                          accounts, accounts != nullptr ? &index_ : nullptr);
  transport_.set_reconciling(false);
  if (!planned.ok()) return false;
  auto applied = executor_->Apply(*planned);
  // As the keeper does: a pass republishes the routes of its own accounts only.
  if (accounts == nullptr) {
    all_routes_changed_ = true;
  } else {
    changed_accounts_.insert(accounts->begin(), accounts->end());
  }
  PublishRoutesIfChanged();
  return planned->list_errors.empty() && applied.ok() && applied->complete();
}

bool KeeperRig::ReconcileDue(WallTime now) {
  bool acted = false;
  for (const std::string& account : cadence_.Due(now, 64)) {
    const std::set<std::string> one{account};
    const bool complete = Reconcile(&one, clock_.Now());
    cadence_.Done(account, complete, clock_.Now());
    acted = true;
  }
  return acted;
}

WallTime KeeperRig::KeepAliveIfDue(WallTime now) {
  if (now >= next_keepalive_) next_keepalive_ = api_->KeepAlive();
  return next_keepalive_;
}

webhook::RouteMap KeeperRig::RoutesOf(const std::vector<store::SubscriptionRecord>& records) const {
  webhook::RouteMap routes;
  webhook::Interned interned;
  for (const auto& record : records) {
    if (!record.reminder) continue;  // direct delivery
    const std::string key = record.account + "/" + record.name;
    routes[key] = webhook::Route{
        subscription::TokenForFingerprint(record.token_fingerprint, config_.webhook_secret, {},
                                          record.account, record.name),
        interned(subscription::ReminderFilter(*record.reminder)), record.remote_id,
        !record.deliver_to.empty()};
  }
  return routes;
}

void KeeperRig::PublishRoutesIfChanged() {
  if (all_routes_changed_) {
    auto records = store_->ListSubscriptions();
    if (!records.ok()) return;
    routes_.Publish(RoutesOf(*records));
    all_routes_changed_ = false;
    changed_accounts_.clear();
    return;
  }
  for (auto it = changed_accounts_.begin(); it != changed_accounts_.end();) {
    auto records = store_->ListAccountSubscriptions(*it);
    if (!records.ok()) return;  // kept: tried again on the next call
    routes_.PublishAccount(*it, RoutesOf(*records));
    it = changed_accounts_.erase(it);
  }
}

Result<http::HttpResponse> HookTransport::Send(const http::HttpRequest& request) {
  if (rig_ == nullptr) return Status::Unavailable("connection refused (keeper down)");
  if (!request.url.starts_with(public_url_)) return Status::Unavailable("unknown host");
  webhook::WebhookResponse answer;
  if (const std::string* token = request.headers.Find("Validation-Token")) {
    answer = webhook::WebhookReceiver::Handshake(*token);
  } else {
    rig_->PublishRoutesIfChanged();
    answer = rig_->receiver().HandleNotification(request.url.substr(public_url_.size()),
                                                 request.headers, request.body);
  }
  return http::HttpResponse{answer.status, std::move(answer.headers), std::move(answer.body)};
}

}  // namespace subkeeper::sim
