// The running keeper: the threaded shell around the Controller. It binds the webhook and admin
// listeners, runs the scheduler's and the relay's threads and the event ingestor, and leaves
// every decision to the controller. Private to the app module; RunDaemon owns one and drives
// RunDue / Reload from its signal loop.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "admin_view.h"
#include "subkeeper/app/controller.h"
#include "subkeeper/app/env.h"
#include "subkeeper/app/metrics.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/config/config.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/webhook/ingestor.h"
#include "subkeeper/webhook/receiver.h"

namespace subkeeper::app {

class Keeper final : private ControllerHost {
 public:
  // What `env` points to must outlive the keeper; env.relay must not be null.
  Keeper(const KeeperEnv& env, config::Config config);
  ~Keeper() override;

  // Opens the store, publishes the webhook routes it knows, binds and starts both listeners,
  // starts the scheduler and schedules the start-up reconcile of every account (run by RunDue,
  // spread over time when there are many accounts). Ready as soon as this returns: webhooks for
  // the subscriptions already in the store are accepted before any platform call.
  Status Start();
  // Stops accepting webhooks, drains the ingestor, stops the scheduler and the admin listener.
  void Stop();

  // Controller::Tick at the env's now. Called from one thread at a time (the daemon's loop).
  WallTime RunDue(size_t max) { return controller_.Tick(env_.clock->Now(), max); }
  // Controller::Reload (the scheduler's thread is paused while the renewal service changes).
  void Reload(Result<config::Config> loaded);
  // The applied config (never null).
  std::shared_ptr<const config::Config> Current() const { return controller_.Current(); }

  int webhook_port() const { return webhook_port_; }
  int admin_port() const { return admin_port_; }
  const std::string& public_url() const { return controller_.public_url(); }

 private:
  // ControllerHost
  void PauseRenewals() override;
  void ResumeRenewals() override;
  void ConfigApplied(const config::Config& config) override;
  void ClaimsGained() override;

  // With claims: runs Controller::MaintainClaims on a thread of its own, so that a slow
  // reconcile never delays extending them.
  void StartClaims();
  void StopClaims();

  Status StartListeners();
  Status StartAdmin(const config::Config& config);
  // (Re)creates the relay when its options changed (or it does not exist yet) and gives it the
  // controller's targets and the signing keys of `config`.
  void ConfigureRelay(const config::Config& config);
  void WakeRelay();

  const KeeperEnv env_;
  Controller controller_;
  std::unique_ptr<webhook::EventIngestor> ingestor_;
  Mutex relay_mu_;  // the ingestor's thread wakes the relay
  std::unique_ptr<relay::Relay> relay_ GUARDED_BY(relay_mu_);
  relay::RelayOptions relay_options_ GUARDED_BY(relay_mu_);
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
  std::unique_ptr<server::WebhookServer> webhook_server_;
  // Installed as the process's metrics::Hook from Start to Stop.
  Metrics metrics_;
  std::unique_ptr<AdminView> admin_view_;
  std::unique_ptr<server::AdminServer> admin_server_;

  std::thread claims_thread_;
  Mutex claims_mu_;
  CondVar claims_cv_;
  bool claims_stopping_ GUARDED_BY(claims_mu_) = false;

  int webhook_port_ = 0;
  int admin_port_ = 0;
  std::atomic<bool> webhooks_up_{false};
};

}  // namespace subkeeper::app
