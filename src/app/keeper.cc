#include "keeper.h"

#include <cstdio>
#include <thread>

#include "subkeeper/app/server_options.h"
#include "subkeeper/common/log.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/reconcile/reconcile.h"
#include "wiring.h"

namespace subkeeper::app {
namespace {

relay::RelayOptions RelayOptionsFor(const config::Config& config) {
  relay::RelayOptions options;
  options.retry.min_backoff = Seconds(config.relay.min_backoff_s);
  options.retry.max_backoff = Seconds(config.relay.max_backoff_s);
  options.retry.max_age = Seconds(config.relay.max_age_s);
  options.retry.max_client_error_attempts = config.relay.max_client_error_attempts;
  options.timeout = std::chrono::milliseconds(config.relay.timeout_ms);
  options.concurrency = config.relay.concurrency;
  options.retention = Seconds(config.relay.retention_s);
  options.dead_retention = Seconds(config.relay.dead_retention_s);
  return options;
}

bool SameRelayOptions(const relay::RelayOptions& a, const relay::RelayOptions& b) {
  return a.retry.min_backoff == b.retry.min_backoff && a.retry.max_backoff == b.retry.max_backoff &&
         a.retry.max_age == b.retry.max_age &&
         a.retry.max_client_error_attempts == b.retry.max_client_error_attempts &&
         a.timeout == b.timeout && a.concurrency == b.concurrency && a.retention == b.retention &&
         a.dead_retention == b.dead_retention;
}

}  // namespace

Keeper::Keeper(const KeeperEnv& env, config::Config config)
    : env_(env), controller_(env, std::move(config), ControllerOptions{}, this) {}

Keeper::~Keeper() { Stop(); }

Status Keeper::Start() {
  metrics::Install(&metrics_);
  // Routes come from the store before the listener opens (Controller::Open).
  SK_RETURN_IF_ERROR(controller_.Open());
  // The first claims are taken before anything could call the platform.
  controller_.MaintainClaims();
  SK_RETURN_IF_ERROR(StartListeners());
  controller_.Begin(reconcile::EffectivePublicUrl(*Current(), webhook_port_));
  controller_.scheduler().Start();
  StartClaims();
  logging::KeeperLog().info("subkeeper ready: webhooks on port {}, admin on port {}, public URL {}",
                            webhook_port_, admin_port_, public_url());
  return Status::OK();
}

Status Keeper::StartListeners() {
  const auto config = Current();
  ingestor_ = std::make_unique<webhook::EventIngestor>(controller_.store());
  ingestor_->SetOnCommitted([this] { WakeRelay(); });
  ingestor_->Start();
  receiver_ = controller_.MakeReceiver(*ingestor_);
  SK_RETURN_IF_ERROR(StartAdmin(*config));
  const auto hook_address = config::ParseListenAddress(config->listen.webhooks).value();
  webhook_server_ =
      std::make_unique<server::WebhookServer>(*receiver_, ToServerOptions(config->server));
  if (config->listen.tls.enabled())
    SK_RETURN_IF_ERROR(webhook_server_->UseTls(ToTlsOptions(config->listen.tls)));
  SK_ASSIGN_OR_RETURN(webhook_port_, webhook_server_->Bind(hook_address.host, hook_address.port));
  webhook_server_->Start();
  webhooks_up_ = true;
  return Status::OK();
}

Status Keeper::StartAdmin(const config::Config& config) {
  ShellStatus shell;
  shell.commit_failure = [this] { return ingestor_->CommitFailure(); };
  shell.webhooks_up = [this] { return webhooks_up_.load(); };
  shell.wake_relay = [this] { WakeRelay(); };
  admin_view_ = std::make_unique<AdminView>(controller_, metrics_, std::move(shell));
  // Both addresses were validated when the config was loaded.
  const auto admin_address = config::ParseListenAddress(config.listen.admin).value();
  admin_server_ = std::make_unique<server::AdminServer>(
      *admin_view_, server::AdminOptions{server::ServerOptions{}, config.listen.admin_token});
  SK_ASSIGN_OR_RETURN(admin_port_, admin_server_->Bind(admin_address.host, admin_address.port));
  admin_server_->Start();
  return Status::OK();
}

void Keeper::Reload(Result<config::Config> loaded) { controller_.Reload(std::move(loaded)); }

void Keeper::PauseRenewals() { controller_.scheduler().Stop(); }

void Keeper::ResumeRenewals() { controller_.scheduler().Start(); }

void Keeper::ConfigApplied(const config::Config& config) { ConfigureRelay(config); }

void Keeper::ClaimsGained() { WakeRelay(); }

void Keeper::StartClaims() {
  if (controller_.claims() == nullptr) return;
  claims_thread_ = std::thread([this] {
    for (;;) {
      const std::optional<SteadyTime> next = controller_.MaintainClaims();
      MutexLock lock(claims_mu_);
      if (!next || claims_stopping_) return;
      claims_cv_.WaitUntil(claims_mu_, *next);
      if (claims_stopping_) return;
    }
  });
}

void Keeper::StopClaims() {
  {
    MutexLock lock(claims_mu_);
    claims_stopping_ = true;
  }
  claims_cv_.SignalAll();
  if (claims_thread_.joinable()) claims_thread_.join();
}

void Keeper::ConfigureRelay(const config::Config& config) {
  relay::TargetLookup targets = controller_.RelayTargets();
  const std::vector<Secret>& secrets = config.relay.signing_secrets;
  relay::RelayOptions options = RelayOptionsFor(config);
  options.prunes = [this] { return controller_.Housekeeps(); };
  // The app can tell replicas apart too (SUBKEEPER_REPLICA_ID).
  if (!env_.user_agent.empty()) options.user_agent = env_.user_agent;
  std::unique_ptr<relay::Relay> retired;
  {
    MutexLock lock(relay_mu_);
    if (relay_ && SameRelayOptions(options, relay_options_)) {
      relay_->Configure(std::move(targets), secrets);
      relay_->Wake();
      return;
    }
    retired = std::move(relay_);
  }
  // Stopped outside the lock: it waits for in-flight deliveries, which must not hold up the
  // ingestor's wake-ups.
  if (retired) retired->Stop();
  auto next = std::make_unique<relay::Relay>(controller_.store(), controller_.store(), *env_.relay,
                                             *env_.clock, options, env_.unit_random);
  next->Configure(std::move(targets), secrets);
  next->Start();
  MutexLock lock(relay_mu_);
  relay_options_ = options;
  relay_ = std::move(next);
}

void Keeper::WakeRelay() {
  MutexLock lock(relay_mu_);
  if (relay_) relay_->Wake();
}

void Keeper::Stop() {
  // New connections are refused at once; requests a worker holds finish (commit or 503).
  if (webhook_server_) webhook_server_->Stop();
  webhooks_up_ = false;
  // The renewal in flight (its lease released when it ends) and the relay's deliveries in
  // flight finish side by side: a shutdown waits for the slower, not for both in turn.
  std::unique_ptr<relay::Relay> relay;
  {
    MutexLock lock(relay_mu_);
    relay = std::move(relay_);
  }
  std::thread relay_stop([&relay] {
    if (relay) relay->Stop();  // what it has not delivered stays pending for the next start
  });
  if (controller_.is_open()) controller_.scheduler().Stop();
  if (ingestor_) ingestor_->Stop();
  relay_stop.join();
  // Nothing acts for the accounts any more: their claims go back, so another keeper takes them
  // at its next poll instead of after the TTL.
  StopClaims();
  if (controller_.is_open()) controller_.ReleaseClaims();
  if (admin_server_) admin_server_->Stop();
  if (&metrics::Current() == &metrics_) metrics::Install(nullptr);
}

}  // namespace subkeeper::app
