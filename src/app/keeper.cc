#include "keeper.h"

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "subkeeper/app/server_options.h"
#include "subkeeper/app/status_view.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/store/sqlite_store.h"
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
    if (a.accounts[i].name != b.accounts[i].name || !(a.accounts[i].jwt == b.accounts[i].jwt) ||
        !(a.accounts[i].refresh_token == b.accounts[i].refresh_token))
      return false;
  }
  return true;
}

// Settings only a restart can change: the listeners are bound and the store is open.
std::string RestartOnlyChange(const config::Config& old_config, const config::Config& next) {
  if (old_config.listen.webhooks != next.listen.webhooks) return "listen.webhooks";
  if (old_config.listen.admin != next.listen.admin) return "listen.admin";
  if (old_config.listen.state_file != next.listen.state_file) return "listen.state_file";
  if (old_config.store.sqlite_path != next.store.sqlite_path) return "store.sqlite";
  if (old_config.public_url != next.public_url) return "public_url";
  if (old_config.server.threads != next.server.threads) return "server.threads";
  if (!(old_config.listen.admin_token == next.listen.admin_token)) return "listen.admin_token";
  if (old_config.listen.tls.cert_path != next.listen.tls.cert_path ||
      old_config.listen.tls.key_path != next.listen.tls.key_path) {
    return "listen.tls";
  }
  return "";
}

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

// Start-up and reload passes of many accounts are spread so that they do not all list in the
// same second: 20 accounts a second, at most half the reconcile interval; a handful at once.
Seconds AccountSpread(size_t accounts, int64_t interval_s) {
  if (accounts <= 10) return Seconds(0);
  return std::min(Seconds(static_cast<int64_t>(accounts) / 20), Seconds(interval_s / 2));
}

reconcile::CadenceOptions CadenceFor(const config::Config& config) {
  return {Seconds(config.renewal.reconcile_interval_s), Seconds(30)};
}

}  // namespace

namespace {

// The config's own secrets, for the log scrubber (logging::SetSecret). Per-account JWTs are not
// registered (tens of thousands of 1 KB values): the scrubber recognises a JWT by its shape.
void RegisterSecrets(const config::Config& config) {
  logging::SetSecret("config/platform.client_secret", config.platform.client_secret.Reveal());
  logging::SetSecret("config/webhook_secret", config.webhook_secret.Reveal());
  // Every signing secret, each in its own slot (slots past the list are cleared, so a reload
  // that drops a key frees its slot). The base64 part is what is registered: it redacts the
  // whole "whsec_..." string as well as the bare key an app may echo.
  const std::vector<Secret>& signing = config.relay.signing_secrets;
  for (size_t i = 0; i < config::kMaxSigningSecrets; ++i) {
    std::string_view value = i < signing.size() ? signing[i].Reveal() : std::string_view();
    if (value.starts_with("whsec_") && value.size() > 6) value.remove_prefix(6);
    logging::SetSecret("config/relay.signing_secret[" + std::to_string(i) + "]", value);
  }
  logging::SetSecret("config/listen.admin_token", config.listen.admin_token.Reveal());
}

}  // namespace

Keeper::Keeper(config::Config config, const Clock& clock)
    : clock_(clock),
      cadence_(CadenceFor(config), MakeJitter()),
      config_(std::make_shared<const config::Config>(std::move(config))) {
  RegisterSecrets(*config_);
}

Keeper::~Keeper() { Stop(); }

std::shared_ptr<const config::Config> Keeper::Current() const {
  std::lock_guard lock(mu_);
  return config_;
}

std::unique_ptr<Keeper::Runtime> Keeper::MakeRuntime(const config::Config& config,
                                                     std::shared_ptr<platform::RestClient> api) {
  auto runtime = std::make_unique<Runtime>();
  runtime->api = std::move(api);
  if (!runtime->api) runtime->api = MakePlatformClient(config, *transport_, clock_, store_.get());
  const auto service = MakeServiceOptions(config, LeaseOwner());
  runtime->renewal = std::make_unique<renewal::RenewalService>(*store_, *runtime->api, clock_,
                                                               service, MakeJitter());
  runtime->renewal->SetOnSettled([this](const std::string& account, const std::string& name) {
    TrackConditions(account, name);
  });
  runtime->renewal->SetOnRemoteChange(
      [this](const std::string& account, const std::string& name) { PublishRoute(account, name); });
  runtime->executor =
      std::make_unique<reconcile::Executor>(*store_, *runtime->api, *runtime->renewal, clock_);
  runtime->executor->SetOnDefined(
      [this](const std::string& account, const std::string& name) { PublishRoute(account, name); });
  std::lock_guard lock(mu_);
  status_api_ = runtime->api;
  return runtime;
}

Status Keeper::Start() {
  metrics::Install(&metrics_);
  SK_RETURN_IF_ERROR(OpenStore());
  const auto config = Current();
  runtime_ = MakeRuntime(*config);
  renewal::SchedulerOptions scheduler_options;
  scheduler_options.unit_random = MakeJitter();
  scheduler_ = std::make_unique<renewal::Scheduler>(*store_, *runtime_->renewal, clock_,
                                                    std::move(scheduler_options));
  ConfigureRelay(*config);
  // Routes come from the store before the listener opens: after a restart the platform keeps
  // delivering to the subscriptions we already have, and must not get 404s (which it would
  // count against the endpoint) while the start-up reconcile talks to it.
  PublishRoutes();
  SK_RETURN_IF_ERROR(StartListeners());
  // Known subscriptions renew on their persisted timers from now on; the start-up reconcile
  // (one list call per account, spread over time) checks them against the platform meanwhile.
  scheduler_->SetConfigured(ConfiguredLookup());
  {
    std::lock_guard lock(mu_);
    generation_ = 1;
    applied_at_ = clock_.Now();
  }
  ScheduleAccounts(*config, "start-up", /*expedite=*/false);
  ForgetRemovedAccounts("start-up");
  scheduler_->Start();
  logging::KeeperLog().info("subkeeper ready: webhooks on port {}, admin on port {}, public URL {}",
                            webhook_port_, admin_port_, public_url_);
  return Status::OK();
}

void Keeper::ScheduleAccounts(const config::Config& config, const std::string& why, bool expedite) {
  std::set<std::string> accounts;
  for (const auto& account : config.accounts) accounts.insert(account.name);
  const WallTime now = clock_.Now();
  cadence_.SetOptions(CadenceFor(config));
  cadence_.SetAccounts(accounts, now,
                       AccountSpread(accounts.size(), config.renewal.reconcile_interval_s));
  if (expedite) cadence_.Expedite("", now);
  pass_reason_.clear();
  for (const auto& account : accounts) pass_reason_[account] = why;
  std::lock_guard lock(mu_);
  startup_pending_ = std::move(accounts);
}

Status Keeper::OpenStore() {
  auto opened = store::OpenSqliteStore(Current()->store.sqlite_path, clock_);
  if (!opened.ok()) return opened.status();
  store_ = std::move(opened).value();
  auto tokens = store::LoadTokenBook(*store_, Current()->webhook_secret);
  if (!tokens.ok()) return tokens.status();
  SetTokens(*tokens);
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
  admin_server_ = std::make_unique<server::AdminServer>(
      *this, server::AdminOptions{server::ServerOptions{}, config->listen.admin_token});
  SK_ASSIGN_OR_RETURN(admin_port_, admin_server_->Bind(admin_address.host, admin_address.port));
  admin_server_->Start();

  const auto hook_address = config::ParseListenAddress(config->listen.webhooks).value();
  webhook_server_ =
      std::make_unique<server::WebhookServer>(*receiver_, ToServerOptions(config->server));
  if (config->listen.tls.enabled())
    SK_RETURN_IF_ERROR(webhook_server_->UseTls(ToTlsOptions(config->listen.tls)));
  SK_ASSIGN_OR_RETURN(webhook_port_, webhook_server_->Bind(hook_address.host, hook_address.port));
  webhook_server_->Start();
  webhooks_up_ = true;
  public_url_ = reconcile::EffectivePublicUrl(*config, webhook_port_);
  return Status::OK();
}

WallTime Keeper::RunDue(size_t max) {
  WallTime now = clock_.Now();
  if (now >= keepalive_at_) keepalive_at_ = runtime_->api->KeepAlive();
  for (const auto& account : cadence_.Due(now, max)) {
    auto reason = pass_reason_.find(account);
    const std::string why = reason != pass_reason_.end() ? reason->second : "periodic";
    const bool complete = ReconcileAccount(account, why);
    // A failed start-up or reload pass is retried under the same name; a complete one hands
    // the account over to the periodic cadence.
    if (complete && reason != pass_reason_.end()) pass_reason_.erase(reason);
    cadence_.Done(account, complete, clock_.Now());
  }
  const auto next_pass = cadence_.Next();
  return std::min(keepalive_at_, next_pass ? *next_pass : WallTime::max());
}

bool Keeper::ReconcileAccount(const std::string& account, const std::string& why) {
  const auto [config, index] = AppliedConfig();
  const std::set<std::string> only = {account};
  auto planned = reconcile::PlanReconcile(*config, public_url_, *store_, *runtime_->api,
                                          clock_.Now(), &only, index.get());
  if (!planned.ok()) {
    logging::KeeperLog({account}).error("reconcile ({}) failed: {}", why,
                                        planned.status().ToString());
    return false;
  }
  auto applied = runtime_->executor->Apply(*planned);
  std::string failure;
  if (!applied.ok()) {
    failure = "apply failed: " + applied.status().ToString();
  } else if (!applied->errors.empty()) {
    failure = std::to_string(applied->errors.size()) + " failed";
  } else if (!applied->skipped.empty()) {
    failure = std::to_string(applied->skipped.size()) + " overtaken (planned again)";
  } else if (!planned->list_errors.empty()) {
    failure = "list failed: " + planned->list_errors.front();
  }
  if (!planned->plan.actions.empty()) {
    PublishAccountRoutes(account);
    scheduler_->Wake();  // the actions set new due times
  }
  const std::string summary = Summarize(account, why, planned->plan.actions.size(), failure);
  if (failure.empty() && planned->plan.actions.empty()) {
    logging::KeeperLog({account}).debug("reconcile {}", summary);
  } else {
    logging::KeeperLog({account}).info("reconcile {}", summary);
  }
  std::lock_guard lock(mu_);
  last_reconcile_ = FormatIso8601(clock_.Now()) + " " + summary;
  accounts_reconciled_ += 1;
  if (failure.empty()) startup_pending_.erase(account);
  return failure.empty();
}

std::string Keeper::Summarize(const std::string& account, const std::string& why, size_t actions,
                              const std::string& failure) const {
  std::string summary =
      "(" + why + ") account " + account + ": " + std::to_string(actions) + " action(s)";
  if (!failure.empty()) summary += ", " + failure;
  return summary;
}

void Keeper::ForgetRemovedAccounts(const std::string& why) {
  const auto config = Current();
  std::set<std::string> configured;
  for (const auto& account : config->accounts) configured.insert(account.name);
  std::set<std::string> removed;
  for (const auto& account : stored_accounts_) {
    if (!configured.count(account)) removed.insert(account);
  }
  if (removed.empty()) return;
  auto planned = reconcile::PlanReconcile(*config, public_url_, *store_, *runtime_->api,
                                          clock_.Now(), &removed);
  if (!planned.ok()) {
    logging::KeeperLog().error("reconcile of removed accounts ({}): {}", why,
                               planned.status().ToString());
    return;
  }
  auto applied = runtime_->executor->Apply(*planned);
  PublishRoutes();
  logging::KeeperLog().info("reconcile ({}): {} action(s) for {} account(s) no longer configured{}",
                            why, planned->plan.actions.size(), removed.size(),
                            applied.ok() ? "" : ", apply failed: " + applied.status().ToString());
}

void Keeper::Reload(Result<config::Config> loaded) {
  const auto old_config = Current();
  std::string refusal;
  if (!loaded.ok()) {
    refusal = loaded.status().message();
  } else if (auto field = RestartOnlyChange(*old_config, *loaded); !field.empty()) {
    refusal = field + " changed: that takes a restart";
  }
  if (!refusal.empty()) {
    logging::KeeperLog().error("new configuration refused, generation {} keeps running:\n{}",
                               generation_, refusal);
    std::lock_guard lock(mu_);
    refused_reason_ = refusal;
    refused_at_ = clock_.Now();
    return;  // the old generation's reconciles go on as scheduled
  }
  // Moved into place, not copied: at 100k subscriptions a config is tens of MB.
  const auto next = std::make_shared<const config::Config>(std::move(loaded).value());
  RegisterSecrets(*next);
  // The runtime holds the credentials and renewal settings: swap it while no renewal runs.
  scheduler_->Stop();
  runtime_ =
      MakeRuntime(*next, SamePlatform(*old_config, *next) ? std::move(runtime_->api) : nullptr);
  scheduler_->SetService(*runtime_->renewal);
  {
    std::lock_guard lock(mu_);
    config_ = next;
    generation_ += 1;
    applied_at_ = clock_.Now();
    refused_reason_.clear();
  }
  // A few rotations back is plenty (TokenBook::kMaxPrevious): each reload's reconcile replaces
  // the old subscriptions.
  SetTokens(Tokens().Rotated(next->webhook_secret));
  logging::KeeperLog().info("configuration generation {} applied", generation_);
  ConfigureRelay(*next);
  PublishRoutes();
  scheduler_->SetConfigured(ConfiguredLookup());
  ScheduleAccounts(*next, "reload", /*expedite=*/true);
  ForgetRemovedAccounts("reload");
  scheduler_->Start();
}

void Keeper::ConfigureRelay(const config::Config& config) {
  // Looks into the applied config (`config`, set before this is called) and holds it.
  relay::TargetLookup targets = [applied = AppliedConfig()](
                                    std::string_view account,
                                    std::string_view name) -> const std::string* {
    const auto* sub = reconcile::FindConfigured(*applied.config, *applied.index, account, name);
    if (sub == nullptr || sub->direct() || sub->deliver_to.empty()) return nullptr;
    return &sub->deliver_to;
  };
  const std::vector<Secret>& secrets = config.relay.signing_secrets;
  const relay::RelayOptions options = RelayOptionsFor(config);
  std::unique_ptr<relay::Relay> retired;
  {
    std::lock_guard lock(relay_mu_);
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
  auto next = std::make_unique<relay::Relay>(*store_, *store_, *relay_transport_, clock_, options,
                                             MakeJitter());
  next->Configure(std::move(targets), secrets);
  next->Start();
  std::lock_guard lock(relay_mu_);
  relay_options_ = options;
  relay_ = std::move(next);
}

void Keeper::WakeRelay() {
  std::lock_guard lock(relay_mu_);
  if (relay_) relay_->Wake();
}

renewal::Scheduler::IsConfigured Keeper::ConfiguredLookup() {
  return [applied = AppliedConfig()](std::string_view account, std::string_view name) {
    return reconcile::FindConfigured(*applied.config, *applied.index, account, name) != nullptr;
  };
}

void Keeper::Stop() {
  // New connections are refused at once; requests a worker holds finish (commit or 503).
  if (webhook_server_) webhook_server_->Stop();
  webhooks_up_ = false;
  // The renewal in flight (its lease released when it ends) and the relay's deliveries in
  // flight finish side by side: a shutdown waits for the slower, not for both in turn.
  std::unique_ptr<relay::Relay> relay;
  {
    std::lock_guard lock(relay_mu_);
    relay = std::move(relay_);
  }
  std::thread relay_stop([&relay] {
    if (relay) relay->Stop();  // what it has not delivered stays pending for the next start
  });
  if (scheduler_) scheduler_->Stop();
  if (ingestor_) ingestor_->Stop();
  relay_stop.join();
  if (admin_server_) admin_server_->Stop();
  if (&metrics::Current() == &metrics_) metrics::Install(nullptr);
}

server::AdminSource::Readiness Keeper::GetReadiness() {
  Readiness readiness;
  Status writable = store_ ? store_->CheckWritable() : Status::Unavailable("store not open");
  if (!writable.ok()) readiness.reasons.push_back("store not writable: " + writable.ToString());
  if (auto failure = ingestor_ ? ingestor_->CommitFailure() : std::nullopt) {
    readiness.reasons.push_back("events cannot be committed: " + *failure);
  }
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
  const auto configured = ConfiguredLookup();
  std::vector<store::SubscriptionRecord> shown;
  for (auto& record : *records) {
    if (configured(record.account, record.name)) shown.push_back(std::move(record));
  }
  auto backlog = store_->CountRelay();
  const auto conditions = ConditionsOf(shown);
  nlohmann::json view =
      SubscriptionsView(shown, backlog.ok() ? *backlog : std::vector<store::RelayBacklog>{},
                        clock_.Now(), &conditions);
  // runtime_ is replaced on reload (daemon thread) while admin requests run: read the client
  // through the shared pointer published under mu_.
  std::shared_ptr<platform::RestClient> api;
  {
    std::lock_guard lock(mu_);
    api = status_api_;
  }
  if (api) {
    view["accounts"] = AccountsView(api->Accounts(), api->RateLimits(), clock_.Now(),
                                    clock_.SteadyNow())["accounts"];
  }
  std::lock_guard lock(mu_);
  view["config"] = {
      {"generation", generation_},
      {"source", config->source_path},
      {"applied_at", generation_ ? nlohmann::json(FormatIso8601(applied_at_)) : nullptr},
      {"refused", refused_reason_.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json{{"at", FormatIso8601(refused_at_)},
                                                           {"reason", refused_reason_}}},
      {"last_reconcile", last_reconcile_},
      {"reconcile",
       {{"accounts", config->accounts.size()},
        {"startup_pending", startup_pending_.size()},
        {"passes", accounts_reconciled_}}}};
  return view.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::vector<renewal::Condition>> Keeper::ConditionsOf(
    const std::vector<store::SubscriptionRecord>& records) {
  std::vector<std::vector<renewal::Condition>> out;
  out.reserve(records.size());
  std::shared_ptr<platform::RestClient> api;
  {
    std::lock_guard lock(mu_);
    api = status_api_;
  }
  std::map<std::string, platform::AccountStatus, std::less<>> accounts;
  // After every renewal attempt this runs for one record: its account only, not a copy of
  // every account's state.
  if (api && records.size() == 1) {
    if (auto account = api->AccountOf(records[0].account)) {
      accounts.emplace(account->account, std::move(*account));
    }
  } else if (api) {
    for (auto& account : api->Accounts()) accounts.emplace(account.account, std::move(account));
  }
  // One subscription: its own rows; more: all rows in one read, grouped by key.
  store::SubscriptionKey only;
  if (records.size() == 1) only = {records[0].account, records[0].name};
  auto stored = store_->ListConditionTransitions(records.size() == 1 ? &only : nullptr);
  std::map<std::pair<std::string_view, std::string_view>, std::vector<store::ConditionTransition>>
      by_key;
  if (stored.ok()) {
    for (auto& t : *stored) by_key[{t.account, t.name}].push_back(t);
  }
  const WallTime now = clock_.Now();
  std::vector<store::ConditionTransition> changed;
  for (const auto& record : records) {
    auto account = accounts.find(record.account);
    auto conditions = renewal::DeriveConditions(
        record, now, account != accounts.end() ? &account->second : nullptr);
    auto it = by_key.find({record.account, record.name});
    static const std::vector<store::ConditionTransition> kNone;
    auto transitions =
        renewal::Track(record, conditions, it != by_key.end() ? it->second : kNone, now);
    changed.insert(changed.end(), std::make_move_iterator(transitions.begin()),
                   std::make_move_iterator(transitions.end()));
    out.push_back(std::move(conditions));
  }
  // Only when the stored ones were read: otherwise every condition would look new.
  if (stored.ok()) {
    if (Status saved = store_->PutConditionTransitions(changed); !saved.ok()) {
      logging::KeeperLog().warn("storing condition transitions: {}", saved.ToString());
    }
  }
  return out;
}

void Keeper::TrackConditions(const std::string& account, const std::string& name) {
  auto record = store_->GetSubscription(account, name);
  if (!record.ok() || !record->has_value()) return;
  ConditionsOf({**record});
}

server::AdminSource::Answer Keeper::SubscriptionJson(const std::string& account,
                                                     const std::string& name) {
  if (!ConfiguredLookup()(account, name)) {
    return {404, R"({"error":"no configured subscription )" + account + "/" + name + "\"}"};
  }
  auto record = store_->GetSubscription(account, name);
  if (!record.ok()) {
    return {503, nlohmann::json{{"error", record.status().ToString()}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)};
  }
  if (!record->has_value()) {
    return {404, R"({"error":"subscription )" + account + "/" + name + R"( is not stored yet"})"};
  }
  const std::vector<store::SubscriptionRecord> records{**record};
  auto backlog = store_->CountRelay();
  const auto conditions = ConditionsOf(records);
  nlohmann::json view =
      SubscriptionsView(records, backlog.ok() ? *backlog : std::vector<store::RelayBacklog>{},
                        clock_.Now(), &conditions)["subscriptions"][0];
  return {200, view.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

server::AdminSource::Answer Keeper::RequestRenewal(const std::string& account,
                                                   const std::string& name) {
  if (!ConfiguredLookup()(account, name)) {
    return {404, R"({"error":"no configured subscription )" + account + "/" + name + "\"}"};
  }
  const WallTime now = clock_.Now();
  scheduler_->Request(account, name, renewal::Trigger::kManual);
  return {202, nlohmann::json{{"requested", true},
                              {"account", account},
                              {"name", name},
                              {"requested_at", FormatIso8601(now)}}
                   .dump()};
}

std::string Keeper::MetricsText() {
  if (!metrics_.seeded()) {
    auto last = store_->ListLastEvents();
    if (last.ok()) metrics_.SeedLastEvents(*last);
  }
  ScrapeState state;
  state.now = clock_.Now();
  state.steady_now = clock_.SteadyNow();
  std::shared_ptr<platform::RestClient> api;
  {
    std::lock_guard lock(mu_);
    api = status_api_;
  }
  if (api) {  // before the store: the subscriptions' AuthFailed is derived from the accounts
    state.accounts = api->Accounts();
    state.limits = api->RateLimits();
  }
  GatherFromStore(*store_, *store_, ConfiguredLookup(), Current()->metrics.per_subscription, state);
  state.process = ReadProcessStats();
  return metrics_.Render(state);
}

}  // namespace subkeeper::app
