// The running keeper: every component, constructed and wired in one place. Private to the app
// module; RunDaemon owns one and drives Reconcile / Reload from its signal loop.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/curl_transport.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/store/store.h"
#include "subkeeper/webhook/ingestor.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::app {

class Keeper final : public server::AdminSource {
 public:
  // `clock` must outlive the keeper.
  Keeper(config::Config config, const Clock& clock);
  ~Keeper() override;

  // Opens the store, binds and starts both listeners, reconciles, starts the scheduler.
  Status Start();
  // Stops accepting webhooks, drains the ingestor, stops the scheduler and the admin listener.
  void Stop();

  // One reconcile pass with the applied config. Returns true when it was complete (every account
  // listed, every action applied), so the caller can retry sooner when it was not.
  // Called from one thread at a time (the daemon's loop).
  bool Reconcile(const std::string& why);
  // Applies a newly loaded config, or refuses it (the old one keeps running) when it failed to
  // load or changes what only a restart can change (listen addresses, store, public URL).
  // Returns false when the reconcile that follows an applied config was incomplete.
  bool Reload(const Result<config::Config>& loaded);

  int webhook_port() const { return webhook_port_; }
  int admin_port() const { return admin_port_; }
  const std::string& public_url() const { return public_url_; }
  int64_t reconcile_interval_s() const;
  // Whether the start-up reconcile was complete (otherwise the daemon retries it sooner).
  bool startup_complete() const { return startup_complete_; }

  // server::AdminSource
  Readiness GetReadiness() override;
  std::string SubscriptionsJson() override;

 private:
  // What depends on the config's platform credentials and renewal settings; rebuilt on reload.
  struct Runtime {
    std::unique_ptr<platform::RestClient> api;
    std::unique_ptr<renewal::RenewalService> renewal;
    std::unique_ptr<reconcile::Executor> executor;
  };
  // Builds the runtime for `config`, reusing `api` (its tokens and rate-limit state) when given.
  std::unique_ptr<Runtime> MakeRuntime(const config::Config& config,
                                       std::unique_ptr<platform::RestClient> api = nullptr);
  Status OpenStore();
  Status StartListeners();
  // (Re)creates the relay when its options changed (or it does not exist yet) and gives it the
  // targets and signing key of `config`.
  void ConfigureRelay(const config::Config& config);
  void PublishRoutes();
  std::shared_ptr<const config::Config> Current() const;
  static std::set<std::string> ConfiguredKeys(const config::Config& config);

  const Clock& clock_;
  std::unique_ptr<store::Store> store_;
  platform::CurlTransport transport_;
  std::unique_ptr<Runtime> runtime_;  // replaced only while the scheduler is stopped
  std::unique_ptr<renewal::Scheduler> scheduler_;
  webhook::RouteTable routes_;
  std::unique_ptr<webhook::EventIngestor> ingestor_;
  // The relay has its own transport: deliveries to a slow app never share anything with the
  // platform client or the webhook listener but the store.
  platform::CurlTransport relay_transport_;
  std::unique_ptr<relay::Relay> relay_;
  std::mutex relay_mu_;  // guards relay_ and relay_options_ (the ingestor's thread wakes it)
  relay::RelayOptions relay_options_;
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
  std::unique_ptr<server::WebhookServer> webhook_server_;
  std::unique_ptr<server::AdminServer> admin_server_;

  int webhook_port_ = 0;
  int admin_port_ = 0;
  std::string public_url_;
  std::atomic<bool> webhooks_up_{false};
  bool startup_complete_ = false;

  mutable std::mutex mu_;  // guards the fields below (read by admin request threads)
  std::shared_ptr<const config::Config> config_;
  // Webhook secrets replaced by reloads: subscriptions created with them are still routed with
  // their old token until the reconcile has replaced them (make-before-break).
  std::vector<Secret> previous_secrets_;
  int generation_ = 0;  // 0 until the first config is applied
  WallTime applied_at_{};
  std::string refused_reason_;  // why the newest config was refused; "" when it was applied
  WallTime refused_at_{};
  std::string last_reconcile_;  // one-line summary of the last pass
};

}  // namespace subkeeper::app
