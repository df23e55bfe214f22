// One keeper "process" inside a simulation: the same pieces src/app/keeper.cc wires (store,
// platform client with persisted account state, renewal service, scheduler, executor, routes,
// webhook receiver) plus the per-account reconcile cadence, minus HTTP servers, threads and the
// relay. Destroying it and building a new one over the same SQLite file is a restart.
//
// HookTransport is the platform's side of the keeper's webhook listener: the emulator's
// outbound requests (validation handshakes, reminders) go straight to the receiver of the rig
// that is up, or fail with kUnavailable while the keeper is down.
//
// Not thread-safe: owned by the simulation's single thread.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "app/wiring.h"
#include "keeper_transport.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/cadence.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/store.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::sim {

// Commits each notification at once, on the caller's thread (the simulation has one).
class SyncSink final : public webhook::EventSink {
 public:
  explicit SyncSink(store::EventLog& store) : store_(store) {}
  Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) override;

 private:
  store::EventLog& store_;
};

class KeeperRig {
 public:
  // Opens the store at `sqlite_path` and builds every piece. `clock`, `transport` and `random`
  // are shared with the simulation and must outlive the rig. Aborts when the store cannot open.
  KeeperRig(const config::Config& config, const std::string& sqlite_path, const Clock& clock,
            KeeperTransport& transport, std::function<double()> random,
            Seconds max_reminder_spread);
  ~KeeperRig();

  // What the keeper does when it starts: one full reconcile over every account, then every
  // account on its own cadence, spread over one reconcile interval.
  void StartUp(WallTime now);
  // Per-account reconciles due at `now`. Returns true when any of them applied an action.
  bool ReconcileDue(WallTime now);
  // Scheduler pass; returns the next due time.
  WallTime TickScheduler() { return scheduler_->Tick(); }
  // Refreshes refresh-token-only accounts when due; returns the next due time.
  WallTime KeepAliveIfDue(WallTime now);
  // Republishes the webhook routes of the accounts whose remote ids changed since the last time
  // (all of them after a whole-config pass), from the store.
  void PublishRoutesIfChanged();

  std::optional<WallTime> NextReconcile() const { return cadence_.Next(); }
  webhook::WebhookReceiver& receiver() { return *receiver_; }

 private:
  bool Reconcile(const std::set<std::string>* accounts, WallTime now);

  const config::Config& config_;
  const reconcile::AccountIndex index_ = reconcile::IndexByAccount(config_);
  const Clock& clock_;
  KeeperTransport& transport_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<platform::RestClient> api_;
  std::unique_ptr<renewal::RenewalService> service_;
  std::unique_ptr<renewal::Scheduler> scheduler_;
  std::unique_ptr<reconcile::Executor> executor_;
  webhook::RouteTable routes_;
  std::unique_ptr<SyncSink> sink_;
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
  reconcile::ReconcileCadence cadence_;
  webhook::RouteMap RoutesOf(const std::vector<store::SubscriptionRecord>& records) const;

  bool all_routes_changed_ = true;
  std::set<std::string> changed_accounts_;
  WallTime next_keepalive_{};
};

class HookTransport final : public http::HttpTransport {
 public:
  // `public_url`: the keeper's base URL as given to the platform.
  explicit HookTransport(std::string public_url) : public_url_(std::move(public_url)) {}
  // The rig that receives (nullptr while the keeper is down).
  void Attach(KeeperRig* rig) { rig_ = rig; }
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override;

 private:
  const std::string public_url_;
  KeeperRig* rig_ = nullptr;
};

}  // namespace subkeeper::sim
