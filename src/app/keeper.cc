#include "keeper.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>

#include "subkeeper/app/status_view.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/webhook/token.h"
#include "wiring.h"

namespace subkeeper::app {
namespace {

std::string LeaseOwner() {
  // Stable across restarts of the same host, so a lease left by a killed process does not block
  // its successor; distinct between replicas (each has its own hostname).
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "subkeeper";
  return std::string("subkeeper@") + host;
}

std::function<double()> MakeJitter() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto mu = std::make_shared<std::mutex>();
  return [engine, mu] {
    std::lock_guard lock(*mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

// True when both configs talk to the platform the same way, so the client (its tokens and
// rate-limit budgets) can be kept across a reload instead of logging in again.
bool SamePlatform(const config::Config& a, const config::Config& b) {
  if (a.platform.server != b.platform.server || a.platform.client_id != b.platform.client_id ||
      !(a.platform.client_secret == b.platform.client_secret) ||
      a.platform.request_timeout_ms != b.platform.request_timeout_ms ||
      a.accounts.size() != b.accounts.size()) {
    return false;
  }
  for (size_t i = 0; i < a.accounts.size(); ++i) {
    if (a.accounts[i].name != b.accounts[i].name || !(a.accounts[i].jwt == b.accounts[i].jwt))
      return false;
  }
  return true;
}

// Settings only a restart can change: the listeners are bound and the store is open.
std::string RestartOnlyChange(const config::Config& old_config, const config::Config& next) {
  if (old_config.listen.webhooks != next.listen.webhooks) return "listen.webhooks";
  if (old_config.listen.admin != next.listen.admin) return "listen.admin";
  if (old_config.store.sqlite_path != next.store.sqlite_path) return "store.sqlite";
  if (old_config.public_url != next.public_url) return "public_url";
  if (old_config.server.threads != next.server.threads) return "server.threads";
  return "";
}

relay::RelayOptions RelayOptionsFor(const config::Config& config) {
  relay::RelayOptions options;
  options.retry.min_backoff = Seconds(config.relay.min_backoff_s);
  options.retry.max_backoff = Seconds(config.relay.max_backoff_s);
  options.retry.max_age = Seconds(config.relay.max_age_s);
  options.timeout = std::chrono::milliseconds(config.relay.timeout_ms);
  options.concurrency = config.relay.concurrency;
  options.retention = Seconds(config.relay.retention_s);
  options.dead_retention = Seconds(config.relay.dead_retention_s);
  return options;
}

bool SameRelayOptions(const relay::RelayOptions& a, const relay::RelayOptions& b) {
  return a.retry.min_backoff == b.retry.min_backoff && a.retry.max_backoff == b.retry.max_backoff &&
         a.retry.max_age == b.retry.max_age && a.timeout == b.timeout &&
         a.concurrency == b.concurrency && a.retention == b.retention &&
         a.dead_retention == b.dead_retention;
}

}  // namespace

Keeper::Keeper(config::Config config, const Clock& clock)
    : clock_(clock), config_(std::make_shared<const config::Config>(std::move(config))) {}

Keeper::~Keeper() { Stop(); }

std::shared_ptr<const config::Config> Keeper::Current() const {
  std::lock_guard lock(mu_);
  return config_;
}

int64_t Keeper::reconcile_interval_s() const { return Current()->renewal.reconcile_interval_s; }

std::unique_ptr<Keeper::Runtime> Keeper::MakeRuntime(const config::Config& config,
                                                     std::unique_ptr<platform::RestClient> api) {
  auto runtime = std::make_unique<Runtime>();
  runtime->api = std::move(api);
  if (!runtime->api) runtime->api = MakePlatformClient(config, transport_, clock_);
  const auto service = MakeServiceOptions(config, LeaseOwner());
  runtime->renewal = std::make_unique<renewal::RenewalService>(*store_, *runtime->api, clock_,
                                                               service, MakeJitter());
  runtime->renewal->SetOnRemoteChange([this] { PublishRoutes(); });
  runtime->executor = std::make_unique<reconcile::Executor>(
      *store_, *runtime->api, *runtime->renewal, clock_, config.renewal.direct_margin_pct);
  return runtime;
}

Status Keeper::Start() {
  SK_RETURN_IF_ERROR(OpenStore());
  runtime_ = MakeRuntime(*Current());
  scheduler_ = std::make_unique<renewal::Scheduler>(*store_, *runtime_->renewal, clock_);
  ConfigureRelay(*Current());
  // Routes come from the store before the listener opens: after a restart the platform keeps
  // delivering to the subscriptions we already have, and must not get 404s (which it would
  // count against the endpoint) while the start-up reconcile talks to it.
  PublishRoutes();
  SK_RETURN_IF_ERROR(StartListeners());
  startup_complete_ = Reconcile("start-up");
  scheduler_->Start();
  spdlog::info("subkeeper ready: webhooks on port {}, admin on port {}, public URL {}",
               webhook_port_, admin_port_, public_url_);
  return Status::OK();
}

Status Keeper::OpenStore() {
  auto opened = store::OpenSqliteStore(Current()->store.sqlite_path, clock_);
  if (!opened.ok()) return opened.status();
  store_ = std::move(opened).value();
  return Status::OK();
}

Status Keeper::StartListeners() {
  const auto config = Current();
  ingestor_ = std::make_unique<webhook::EventIngestor>(*store_);
  ingestor_->SetOnCommitted([this] {
    std::lock_guard lock(relay_mu_);
    if (relay_) relay_->Wake();
  });
  ingestor_->Start();
  webhook::ReceiverOptions receiver_options;
  receiver_options.max_body_bytes = static_cast<size_t>(config->server.max_body_bytes);
  receiver_options.commit_budget = std::chrono::milliseconds(config->server.commit_budget_ms);
  receiver_ = std::make_unique<webhook::WebhookReceiver>(
      routes_, *ingestor_,
      [this](const std::string& account, const std::string& name, const std::string& id) {
        scheduler_->OnReminder(account, name, id);
      },
      clock_, receiver_options);

  // Both addresses were validated when the config was loaded.
  const auto admin_address = config::ParseListenAddress(config->listen.admin).value();
  admin_server_ = std::make_unique<server::AdminServer>(*this);
  SK_ASSIGN_OR_RETURN(admin_port_, admin_server_->Bind(admin_address.host, admin_address.port));
  admin_server_->Start();

  const auto hook_address = config::ParseListenAddress(config->listen.webhooks).value();
  webhook_server_ = std::make_unique<server::WebhookServer>(*receiver_, config->server);
  SK_ASSIGN_OR_RETURN(webhook_port_, webhook_server_->Bind(hook_address.host, hook_address.port));
  webhook_server_->Start();
  webhooks_up_ = true;
  public_url_ = reconcile::EffectivePublicUrl(*config, webhook_port_);
  return Status::OK();
}

bool Keeper::Reconcile(const std::string& why) {
  const auto config = Current();
  auto planned =
      reconcile::PlanReconcile(*config, public_url_, *store_, *runtime_->api, clock_.Now());
  if (!planned.ok()) {
    spdlog::error("reconcile ({}): {}", why, planned.status().ToString());
    return false;
  }
  auto applied = runtime_->executor->Apply(planned->desired, planned->plan, planned->observed);
  PublishRoutes();
  scheduler_->SetConfigured(ConfiguredKeys(*config));
  std::string summary = std::to_string(planned->plan.actions.size()) + " action(s)";
  bool complete = planned->list_errors.empty();
  if (!applied.ok()) {
    summary += ", apply failed: " + applied.status().ToString();
    complete = false;
  } else if (!applied->errors.empty()) {
    summary += ", " + std::to_string(applied->errors.size()) + " failed";
    complete = false;
  }
  if (!planned->list_errors.empty()) summary += ", list failed for " + planned->list_errors.front();
  spdlog::info("reconcile ({}): {}", why, summary);
  std::lock_guard lock(mu_);
  if (generation_ == 0) {
    generation_ = 1;
    applied_at_ = clock_.Now();
  }
  last_reconcile_ = FormatIso8601(clock_.Now()) + " (" + why + "): " + summary;
  return complete;
}

bool Keeper::Reload(const Result<config::Config>& loaded) {
  const auto old_config = Current();
  std::string refusal;
  if (!loaded.ok()) {
    refusal = loaded.status().message();
  } else if (auto field = RestartOnlyChange(*old_config, *loaded); !field.empty()) {
    refusal = field + " changed: that takes a restart";
  }
  if (!refusal.empty()) {
    spdlog::error("new configuration refused, generation {} keeps running:\n{}", generation_,
                  refusal);
    std::lock_guard lock(mu_);
    refused_reason_ = refusal;
    refused_at_ = clock_.Now();
    return true;  // nothing to retry: the old generation's reconciles go on as scheduled
  }
  // The runtime holds the credentials and renewal settings: swap it while no renewal runs.
  scheduler_->Stop();
  runtime_ =
      MakeRuntime(*loaded, SamePlatform(*old_config, *loaded) ? std::move(runtime_->api) : nullptr);
  scheduler_->SetService(*runtime_->renewal);
  {
    std::lock_guard lock(mu_);
    if (!(old_config->webhook_secret == loaded->webhook_secret)) {
      previous_secrets_.push_back(old_config->webhook_secret);
      // A few rotations back is plenty: each reload's reconcile replaces the old subscriptions.
      if (previous_secrets_.size() > 4) previous_secrets_.erase(previous_secrets_.begin());
    }
    config_ = std::make_shared<const config::Config>(*loaded);
    generation_ += 1;
    applied_at_ = clock_.Now();
    refused_reason_.clear();
  }
  spdlog::info("configuration generation {} applied", generation_);
  ConfigureRelay(*loaded);
  const bool complete = Reconcile("reload");
  scheduler_->Start();
  return complete;
}

void Keeper::ConfigureRelay(const config::Config& config) {
  relay::Targets targets;
  for (const auto& sub : config.subscriptions) {
    if (!sub.direct() && !sub.deliver_to.empty())
      targets[sub.account + "/" + sub.name] = sub.deliver_to;
  }
  const Secret& secret =
      config.relay.signing_secret.empty() ? config.webhook_secret : config.relay.signing_secret;
  const relay::RelayOptions options = RelayOptionsFor(config);
  std::unique_ptr<relay::Relay> retired;
  {
    std::lock_guard lock(relay_mu_);
    if (relay_ && SameRelayOptions(options, relay_options_)) {
      relay_->Configure(std::move(targets), secret);
      relay_->Wake();
      return;
    }
    retired = std::move(relay_);
  }
  // Stopped outside the lock: it waits for in-flight deliveries, which must not hold up the
  // ingestor's wake-ups.
  if (retired) retired->Stop();
  auto next =
      std::make_unique<relay::Relay>(*store_, relay_transport_, clock_, options, MakeJitter());
  next->Configure(std::move(targets), secret);
  next->Start();
  std::lock_guard lock(relay_mu_);
  relay_options_ = options;
  relay_ = std::move(next);
}

void Keeper::PublishRoutes() {
  auto records = store_->ListSubscriptions();
  if (!records.ok()) {
    spdlog::error("publishing webhook routes: {}", records.status().ToString());
    return;
  }
  const auto config = Current();
  std::vector<Secret> previous;
  {
    std::lock_guard lock(mu_);
    previous = previous_secrets_;
  }
  const auto configured = ConfiguredKeys(*config);
  std::set<std::string> relayed;
  for (const auto& sub : config->subscriptions) {
    if (!sub.deliver_to.empty()) relayed.insert(sub.account + "/" + sub.name);
  }
  webhook::RouteMap routes;
  for (const auto& record : *records) {
    const std::string key = record.account + "/" + record.name;
    if (record.reminder_filter.empty() || !configured.count(key)) continue;  // direct: not ours
    routes[key] = webhook::Route{
        record.account,
        record.name,
        webhook::TokenForFingerprint(record.token_fingerprint, config->webhook_secret, previous,
                                     record.account, record.name),
        record.reminder_filter,
        record.remote_id,
        relayed.count(key) > 0};
  }
  routes_.Publish(std::move(routes));
}

std::set<std::string> Keeper::ConfiguredKeys(const config::Config& config) {
  std::set<std::string> keys;
  for (const auto& sub : config.subscriptions) keys.insert(sub.account + "/" + sub.name);
  return keys;
}

void Keeper::Stop() {
  if (webhook_server_) webhook_server_->Stop();
  webhooks_up_ = false;
  if (scheduler_) scheduler_->Stop();
  if (ingestor_) ingestor_->Stop();
  std::unique_ptr<relay::Relay> relay;
  {
    std::lock_guard lock(relay_mu_);
    relay = std::move(relay_);
  }
  if (relay) relay->Stop();  // what it has not delivered stays pending for the next start
  if (admin_server_) admin_server_->Stop();
}

server::AdminSource::Readiness Keeper::GetReadiness() {
  Readiness readiness;
  Status writable = store_ ? store_->CheckWritable() : Status::Unavailable("store not open");
  if (!writable.ok()) readiness.reasons.push_back("store not writable: " + writable.ToString());
  if (!webhooks_up_) readiness.reasons.push_back("webhook listener not running");
  std::lock_guard lock(mu_);
  if (generation_ == 0) readiness.reasons.push_back("configuration not applied yet");
  readiness.config_generation = generation_;
  readiness.config_refused = refused_reason_;
  readiness.ready = readiness.reasons.empty();
  return readiness;
}

std::string Keeper::SubscriptionsJson() {
  const auto config = Current();
  auto records = store_->ListSubscriptions();
  if (!records.ok())
    return nlohmann::json{{"error", records.status().ToString()}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  const auto configured = ConfiguredKeys(*config);
  std::vector<store::SubscriptionRecord> shown;
  for (auto& record : *records) {
    if (configured.count(record.account + "/" + record.name)) shown.push_back(std::move(record));
  }
  auto backlog = store_->CountRelay();
  nlohmann::json view = SubscriptionsView(
      shown, backlog.ok() ? *backlog : std::vector<store::RelayBacklog>{}, clock_.Now());
  std::lock_guard lock(mu_);
  view["config"] = {
      {"generation", generation_},
      {"source", config->source_path},
      {"applied_at", generation_ ? nlohmann::json(FormatIso8601(applied_at_)) : nullptr},
      {"refused", refused_reason_.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json{{"at", FormatIso8601(refused_at_)},
                                                           {"reason", refused_reason_}}},
      {"last_reconcile", last_reconcile_}};
  return view.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace subkeeper::app
