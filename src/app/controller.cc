#include "subkeeper/app/controller.h"

#include <algorithm>

#include "compose.h"
#include "reload_policy.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/config/checks.h"

namespace subkeeper::app {
namespace {

// Start-up and reload passes of many accounts are spread so that they do not all list in the
// same second: 20 accounts a second, at most half the reconcile interval; a handful at once.
Seconds AccountSpread(size_t accounts, int64_t interval_s) {
  if (accounts <= 10) return Seconds(0);
  return std::min(Seconds(static_cast<int64_t>(accounts) / 20), Seconds(interval_s / 2));
}

reconcile::CadenceOptions CadenceFor(const config::Config& config) {
  return {Seconds(config.renewal.reconcile_interval_s), Seconds(30)};
}

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

std::string Summarize(const std::string& account, const std::string& why, size_t actions,
                      const std::string& failure) {
  std::string summary =
      "(" + why + ") account " + account + ": " + std::to_string(actions) + " action(s)";
  if (!failure.empty()) summary += ", " + failure;
  return summary;
}

// Why a pass was not complete ("" when it was).
std::string FailureOf(const reconcile::Planned& planned,
                      const Result<reconcile::ApplyReport>& applied) {
  if (!applied.ok()) return "apply failed: " + applied.status().ToString();
  if (!applied->errors.empty()) return std::to_string(applied->errors.size()) + " failed";
  if (!applied->skipped.empty())
    return std::to_string(applied->skipped.size()) + " overtaken (planned again)";
  if (!planned.list_errors.empty()) return "list failed: " + planned.list_errors.front();
  return "";
}

}  // namespace

Controller::Controller(KeeperEnv env, config::Config config, ControllerOptions options,
                       ControllerHost* host)
    : env_(std::move(env)),
      options_(std::move(options)),
      host_(host != nullptr ? *host : default_host_),
      cadence_(CadenceFor(config), env_.unit_random),
      config_(std::make_shared<const config::Config>(std::move(config))) {
  RegisterSecrets(*config_);
}

Controller::~Controller() = default;

std::shared_ptr<const config::Config> Controller::Current() const {
  MutexLock lock(mu_);
  return config_;
}

std::shared_ptr<platform::RestClient> Controller::Api() const {
  MutexLock lock(mu_);
  return status_api_;
}

ConfigState Controller::State() const {
  MutexLock lock(mu_);
  return {config_,
          generation_,
          applied_at_,
          refused_reason_,
          refused_at_,
          last_reconcile_,
          startup_pending_.size(),
          accounts_reconciled_};
}

void Controller::Wire(Runtime& runtime) {
  runtime.renewal->SetOnSettled([this](const std::string& account, const std::string& name) {
    TrackConditions(account, name);
  });
  runtime.renewal->SetOnRemoteChange(
      [this](const std::string& account, const std::string& name) { PublishRoute(account, name); });
  runtime.executor->SetOnDefined(
      [this](const std::string& account, const std::string& name) { PublishRoute(account, name); });
  MutexLock lock(mu_);
  status_api_ = runtime.api;
}

Status Controller::Open() {
  const auto config = Current();
  SK_ASSIGN_OR_RETURN(store_, env_.open_store(config->store, store::OpenMode::kReadWrite));
  std::optional<ClaimOptions> claims = options_.claims;
  if (!claims && config->store.UsesPostgres())
    claims = ClaimOptions{Seconds(config->store.claim_ttl_s)};
  if (claims) {
    claims_ = std::make_unique<AccountClaims>(*store_, *env_.clock, env_.lease_owner, *claims);
    fenced_state_ = std::make_unique<FencedAccountState>(*store_, *claims_);
    leader_ = std::make_unique<AccountClaims>(*store_, *env_.clock, env_.lease_owner, *claims);
  }
  runtime_ = MakeRuntime(env_, *config, *store_, StateStore(), claims_.get());
  SK_ASSIGN_OR_RETURN(subscription::TokenBook tokens,
                      store::LoadTokenBook(*store_, config->webhook_secret));
  SetTokens(tokens);
  Wire(*runtime_);
  renewal::SchedulerOptions scheduler_options;
  scheduler_options.unit_random = env_.unit_random;
  scheduler_options.max_reminder_spread = options_.max_reminder_spread;
  // A reminder or a request another keeper's account gets here is passed on to its holder.
  scheduler_options.hand_off_refused = claims_ != nullptr;
  scheduler_ = std::make_unique<renewal::Scheduler>(*store_, *runtime_->renewal, *env_.clock,
                                                    std::move(scheduler_options));
  host_.ConfigApplied(*config);
  PublishRoutes();
  return Status::OK();
}

void Controller::Begin(std::string public_url) {
  public_url_ = std::move(public_url);
  // Known subscriptions renew on their persisted timers from now on; the start-up reconcile
  // (one list call per account, spread over time) checks them against the platform meanwhile.
  scheduler_->SetConfigured(RenewableLookup());
  const auto config = Current();
  {
    MutexLock lock(mu_);
    generation_ = 1;
    applied_at_ = env_.clock->Now();
  }
  ScheduleAccounts(*config, "start-up", /*expedite=*/false);
  ForgetRemovedAccounts("start-up");
}

void Controller::ScheduleAccounts(const config::Config& config, const std::string& why,
                                  bool expedite) {
  std::set<std::string> accounts;
  for (const auto& account : config.accounts) accounts.insert(account.name);
  const WallTime now = env_.clock->Now();
  cadence_.SetOptions(CadenceFor(config));
  cadence_.SetAccounts(accounts, now,
                       AccountSpread(accounts.size(), config.renewal.reconcile_interval_s));
  if (expedite) cadence_.Expedite("", now);
  pass_reason_.clear();
  for (const auto& account : accounts) pass_reason_[account] = why;
  MutexLock lock(mu_);
  startup_pending_ = std::move(accounts);
}

WallTime Controller::Tick(WallTime now, size_t max) {
  ScheduleClaimed(now);
  if (now >= keepalive_at_) keepalive_at_ = runtime_->api->KeepAlive();
  for (const auto& account : cadence_.Due(now, max)) {
    if (!Acts(account)) {
      // Its holder reconciles it; this keeper's pass comes when it takes the claim.
      cadence_.Done(account, /*complete=*/true, now);
      pass_reason_.erase(account);
      MutexLock lock(mu_);
      startup_pending_.erase(account);
      continue;
    }
    auto reason = pass_reason_.find(account);
    const std::string why = reason != pass_reason_.end() ? reason->second : "periodic";
    const bool complete = ReconcileAccount(account, why);
    // A failed start-up or reload pass is retried under the same name; a complete one hands
    // the account over to the periodic cadence.
    if (complete && reason != pass_reason_.end()) pass_reason_.erase(reason);
    cadence_.Done(account, complete, env_.clock->Now());
  }
  WallTime next = keepalive_at_;
  if (options_.condition_sweep > Seconds::zero()) {
    if (now >= sweep_at_) {
      if (auto records = store_->ListSubscriptions(); records.ok()) StoreTransitions(*records);
      sweep_at_ = now + options_.condition_sweep;
    }
    next = std::min(next, sweep_at_);
  }
  // Accounts claimed meanwhile get their pass within a poll of the claims.
  if (claims_) next = std::min(next, now + claims_->poll());
  const auto next_pass = cadence_.Next();
  return std::min(next, next_pass ? *next_pass : WallTime::max());
}

bool Controller::ReconcileAccount(const std::string& account, const std::string& why) {
  const auto [config, index] = AppliedConfig();
  const std::set<std::string> only = {account};
  if (options_.on_observe) options_.on_observe(true);
  auto planned = reconcile::PlanReconcile(*config, public_url_, *store_, *runtime_->api,
                                          env_.clock->Now(), &only, index.get());
  if (options_.on_observe) options_.on_observe(false);
  if (!planned.ok()) {
    logging::KeeperLog({account}).error("reconcile ({}) failed: {}", why,
                                        planned.status().ToString());
    return false;
  }
  auto applied = runtime_->executor->Apply(*planned);
  const std::string failure = FailureOf(*planned, applied);
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
  Record(account, summary, failure.empty());
  // What the pass observed (a blacklisting, disabled filters) is a condition change of its own.
  if (auto records = store_->ListAccountSubscriptions(account); records.ok()) {
    StoreTransitions(*records);
  }
  return failure.empty();
}

void Controller::Record(const std::string& account, const std::string& summary, bool complete) {
  MutexLock lock(mu_);
  last_reconcile_ = FormatIso8601(env_.clock->Now()) + " " + summary;
  accounts_reconciled_ += 1;
  if (complete) startup_pending_.erase(account);
}

void Controller::ForgetRemovedAccounts(const std::string& why) {
  const auto config = Current();
  std::set<std::string> configured;
  for (const auto& account : config->accounts) configured.insert(account.name);
  std::set<std::string> removed;
  for (const auto& account : stored_accounts_) {
    if (!configured.count(account)) removed.insert(account);
  }
  if (removed.empty()) return;
  auto planned = reconcile::PlanReconcile(*config, public_url_, *store_, *runtime_->api,
                                          env_.clock->Now(), &removed);
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

std::string Controller::Refusal(const Result<config::Config>& next) const {
  if (!next.ok()) return next.status().message();
  if (auto field = RestartOnlyChange(*Current(), *next); !field.empty())
    return field + " changed: that takes a restart";
  return "";
}

bool Controller::Reload(Result<config::Config> loaded) {
  if (const std::string refusal = Refusal(loaded); !refusal.empty()) {
    MutexLock lock(mu_);
    logging::KeeperLog().error("new configuration refused, generation {} keeps running:\n{}",
                               generation_, refusal);
    refused_reason_ = refusal;
    refused_at_ = env_.clock->Now();
    return false;  // the old generation's reconciles go on as scheduled
  }
  // Moved into place, not copied: at 100k subscriptions a config is tens of MB.
  Apply(std::make_shared<const config::Config>(std::move(loaded).value()));
  return true;
}

void Controller::Apply(std::shared_ptr<const config::Config> next) {
  const auto old_config = Current();
  RegisterSecrets(*next);
  // The runtime holds the credentials and renewal settings: swap it while no renewal runs.
  host_.PauseRenewals();
  runtime_ = MakeRuntime(env_, *next, *store_, StateStore(), claims_.get(),
                         SamePlatform(*old_config, *next) ? runtime_->api : nullptr);
  Wire(*runtime_);
  scheduler_->SetService(*runtime_->renewal);
  int generation = 0;
  {
    MutexLock lock(mu_);
    config_ = next;
    generation = generation_ += 1;
    applied_at_ = env_.clock->Now();
    refused_reason_.clear();
  }
  // A few rotations back are kept (TokenBook::kMaxPrevious): each reload's reconcile replaces
  // the old subscriptions.
  SetTokens(Tokens().Rotated(next->webhook_secret));
  logging::KeeperLog().info("configuration generation {} applied", generation);
  host_.ConfigApplied(*next);
  PublishRoutes();
  scheduler_->SetConfigured(RenewableLookup());
  ScheduleAccounts(*next, "reload", /*expedite=*/true);
  ForgetRemovedAccounts("reload");
  host_.ResumeRenewals();
}

bool Controller::RequestRenewal(const std::string& account, const std::string& name) {
  if (!ConfiguredLookup()(account, name)) return false;
  scheduler_->Request(account, name, renewal::Trigger::kManual);
  return true;
}

renewal::Scheduler::IsConfigured Controller::ConfiguredLookup() {
  return [applied = AppliedConfig()](std::string_view account, std::string_view name) {
    return reconcile::FindConfigured(*applied.config, *applied.index, account, name) != nullptr;
  };
}

relay::TargetLookup Controller::RelayTargets() {
  // Holds the applied config it looks into.
  return [applied = AppliedConfig(), claims = claims_.get()](
             std::string_view account, std::string_view name) -> const std::string* {
    if (claims != nullptr && !claims->Holds(account)) return nullptr;  // its holder relays
    const auto* sub = reconcile::FindConfigured(*applied.config, *applied.index, account, name);
    if (sub == nullptr || sub->direct() || sub->deliver_to.empty()) return nullptr;
    return &sub->deliver_to;
  };
}

std::unique_ptr<webhook::WebhookReceiver> Controller::MakeReceiver(webhook::EventSink& sink) {
  const auto config = Current();
  webhook::ReceiverOptions options;
  options.max_body_bytes = static_cast<size_t>(config->server.max_body_bytes);
  options.commit_budget = std::chrono::milliseconds(config->server.commit_budget_ms);
  return std::make_unique<webhook::WebhookReceiver>(
      routes_, sink,
      [this](const std::string& account, const std::string& name, const std::string& id) {
        scheduler_->OnReminder(account, name, id);
      },
      *env_.clock, options);
}

}  // namespace subkeeper::app
