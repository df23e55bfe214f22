// The running keeper: every component, constructed and wired in one place. Private to the app
// module; RunDaemon owns one and drives Reconcile / Reload from its signal loop.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "subkeeper/app/metrics.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/http/curl_transport.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/cadence.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/store/store.h"
#include "subkeeper/subscription/token.h"
#include "subkeeper/webhook/ingestor.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::app {

class Keeper final : public server::AdminSource {
 public:
  // `clock` must outlive the keeper.
  Keeper(config::Config config, const Clock& clock);
  ~Keeper() override;

  // Opens the store, publishes the webhook routes it knows, binds and starts both listeners,
  // starts the scheduler and schedules the start-up reconcile of every account (run by RunDue,
  // spread over time when there are many accounts). Ready as soon as this returns: webhooks for
  // the subscriptions already in the store are accepted before any platform call.
  Status Start();
  // Stops accepting webhooks, drains the ingestor, stops the scheduler and the admin listener.
  void Stop();

  // Reconciles the accounts whose turn has come (at most `max` of them, one list call each) and
  // refreshes refresh-token-only accounts when due. Returns when something is next due.
  // Called from one thread at a time (the daemon's loop).
  WallTime RunDue(size_t max);
  // Applies a newly loaded config, or refuses it (the old one keeps running) when it failed to
  // load or changes what only a restart can change (listen addresses, store, public URL). An
  // applied config makes every account due for a reconcile (run by RunDue).
  void Reload(Result<config::Config> loaded);
  // The applied config (never null).
  std::shared_ptr<const config::Config> Current() const;

  int webhook_port() const { return webhook_port_; }
  int admin_port() const { return admin_port_; }
  const std::string& public_url() const { return public_url_; }

  // server::AdminSource
  Readiness GetReadiness() override;
  std::string SubscriptionsJson() override;
  void WakeRelay() override;
  Answer SubscriptionJson(const std::string& account, const std::string& name) override;
  Answer RequestRenewal(const std::string& account, const std::string& name) override;
  std::string MetricsText() override;

 private:
  // What depends on the config's platform credentials and renewal settings; rebuilt on reload.
  struct Runtime {
    std::shared_ptr<platform::RestClient> api;  // shared with status readers
    std::unique_ptr<renewal::RenewalService> renewal;
    std::unique_ptr<reconcile::Executor> executor;
  };
  // Builds the runtime for `config`, reusing `api` (its tokens and rate-limit state) when given.
  std::unique_ptr<Runtime> MakeRuntime(const config::Config& config,
                                       std::shared_ptr<platform::RestClient> api = nullptr);
  Status OpenStore();
  // Reconciles `account` (one list call) with the applied config; true when complete.
  bool ReconcileAccount(const std::string& account, const std::string& why);
  // Plans kForget for the records of accounts no longer configured (no list call).
  // Uses the accounts the last PublishRoutes() saw in the store.
  void ForgetRemovedAccounts(const std::string& why);
  // Makes the cadence follow the configured accounts; `why` labels their next pass.
  void ScheduleAccounts(const config::Config& config, const std::string& why, bool expedite);
  std::string Summarize(const std::string& account, const std::string& why, size_t actions,
                        const std::string& failure) const;
  Status StartListeners();
  // (Re)creates the relay when its options changed (or it does not exist yet) and gives it the
  // targets and signing key of `config`.
  void ConfigureRelay(const config::Config& config);
  // Routes of every stored subscription (start-up, reload), of one account (after its
  // reconcile) or of one subscription (after its remote id changed).
  void PublishRoutes();
  void PublishAccountRoutes(const std::string& account);
  void PublishRoute(const std::string& account, const std::string& name);
  // The applied config and its AccountIndex, built once per config generation.
  struct Applied {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const reconcile::AccountIndex> index;
  };
  Applied AppliedConfig();
  std::optional<webhook::Route> RouteFor(const store::SubscriptionHead& record,
                                         const Applied& applied,
                                         const subscription::TokenBook& tokens,
                                         webhook::Interned& interned,
                                         std::set<size_t>* used = nullptr);
  subscription::TokenBook Tokens();
  // Makes `tokens` the keeper's and stores it when it differs from the keeper's.
  void SetTokens(const subscription::TokenBook& tokens);
  webhook::RouteMap RoutesOf(const std::vector<store::SubscriptionHead>& heads,
                             webhook::Interned& interned, std::set<size_t>* used = nullptr);
  // Whether a subscription is in the applied config (holds it), for the scheduler.
  renewal::Scheduler::IsConfigured ConfiguredLookup();
  // The conditions of each record (one entry per record), with their transition times; stores
  // the transitions that changed.
  std::vector<std::vector<renewal::Condition>> ConditionsOf(
      const std::vector<store::SubscriptionRecord>& records);
  void TrackConditions(const std::string& account, const std::string& name);

  const Clock& clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::HttpTransport> transport_ = http::NewCurlTransport();
  std::unique_ptr<Runtime> runtime_;  // replaced only while the scheduler is stopped
  std::unique_ptr<renewal::Scheduler> scheduler_;
  webhook::RouteTable routes_;
  std::unique_ptr<webhook::EventIngestor> ingestor_;
  // The relay has its own transport: deliveries to a slow app never share anything with the
  // platform client or the webhook listener but the store.
  std::unique_ptr<http::HttpTransport> relay_transport_ = http::NewCurlTransport();
  std::unique_ptr<relay::Relay> relay_;
  std::mutex relay_mu_;  // guards relay_ and relay_options_ (the ingestor's thread wakes it)
  relay::RelayOptions relay_options_;
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
  std::unique_ptr<server::WebhookServer> webhook_server_;
  std::unique_ptr<server::AdminServer> admin_server_;
  // Installed as the process's metrics::Hook from Start to Stop.
  Metrics metrics_;

  int webhook_port_ = 0;
  int admin_port_ = 0;
  std::string public_url_;
  std::atomic<bool> webhooks_up_{false};

  // Daemon-loop state (RunDue, Reload): never touched by other threads.
  reconcile::ReconcileCadence cadence_;
  std::map<std::string, std::string> pass_reason_;  // account → why its next pass runs
  WallTime keepalive_at_{};                         // next RestClient::KeepAlive()
  std::set<std::string> stored_accounts_;           // accounts with records, as of PublishRoutes()

  mutable std::mutex mu_;  // guards the fields below (read by admin request threads)
  std::shared_ptr<const config::Config> config_;
  // The webhook secrets, persisted (store::RotationStore): subscriptions created with a secret
  // replaced since (by a reload, or in the config while the keeper was down) are still routed
  // with their old token until the reconcile has replaced them (make-before-break).
  subscription::TokenBook tokens_;
  int generation_ = 0;  // 0 until the first config is applied
  WallTime applied_at_{};
  std::string refused_reason_;  // why the newest config was refused; "" when it was applied
  WallTime refused_at_{};
  std::string last_reconcile_;                        // one-line summary of the last pass
  std::shared_ptr<platform::RestClient> status_api_;  // runtime_'s client, for admin readers
  // IndexByAccount of index_config_ (held, so its address cannot be reused by a later config).
  std::shared_ptr<const reconcile::AccountIndex> index_;
  std::shared_ptr<const config::Config> index_config_;
  size_t accounts_reconciled_ = 0;         // passes since start, any account
  std::set<std::string> startup_pending_;  // accounts whose start-up/reload pass has not run
};

}  // namespace subkeeper::app
