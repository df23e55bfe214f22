// The keeper's logic without threads or sockets: the applied config generation and its reload
// policy, the per-account reconcile cadence with the reason of each pass, the webhook routes
// and the relay's targets. It is driven by Tick(now) and by events (Reload, RequestRenewal;
// reminders reach its scheduler through the webhook receiver it builds). The daemon's Keeper
// runs it with listeners and threads; the deterministic simulation runs it on a virtual clock
// against in-process platforms; tests run it with fakes. Everything outside memory comes from
// the KeeperEnv it is given.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "subkeeper/app/account_claims.h"
#include "subkeeper/app/env.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/cadence.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/store/store.h"
#include "subkeeper/subscription/token.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::app {

struct Runtime;  // compose.h: the platform client, renewal service and executor of a config

// What the controller asks of whatever runs it. The defaults do nothing: a single-threaded
// runner (a test, the simulation) has no loop to pause and no relay to reconfigure.
class ControllerHost {
 public:
  virtual ~ControllerHost() = default;
  // Around replacing the renewal service on reload: no renewal may run in between (the daemon
  // stops its scheduler thread in Pause and starts it again in Resume).
  virtual void PauseRenewals() {}
  virtual void ResumeRenewals() {}
  // A config was applied (start-up included): the relay's targets (Controller::RelayTargets)
  // and signing secrets follow it.
  virtual void ConfigApplied(const config::Config& /*config*/) {}
  // This keeper took claims on accounts (several keepers on one database): their events may be
  // relayed by it from now on.
  virtual void ClaimsGained() {}
};

struct ControllerOptions {
  // The scheduler's reminder spread (renewal::SchedulerOptions::max_reminder_spread).
  Seconds max_reminder_spread{3600};
  // Called with true before a reconcile observes the platform (its list calls) and with false
  // after; for instrumentation (the simulation counts the lists a reconcile makes). May be empty.
  std::function<void(bool observing)> on_observe;
  // How often Tick stores the condition transitions of every record, so a condition that
  // changes without a renewal settling (an account's credential rejected, a blacklisting seen by
  // a reconcile, an expiry) keeps the time it changed instead of "now" on every read. Zero: only
  // after renewals and reconciles.
  Seconds condition_sweep{60};
  // Claims on accounts (several keepers on one database). Unset: from the config — with
  // store.postgres the keeper claims every configured account (TTL store.claim_ttl_s); with
  // SQLite, which only one keeper opens, it claims nothing and every call goes. Tests set it to
  // claim over a SQLite file shared by two controllers.
  std::optional<ClaimOptions> claims;
};

// The config generation as admin readers see it.
struct ConfigState {
  std::shared_ptr<const config::Config> config;  // the applied one (never null)
  int generation = 0;                            // 0 until Begin
  WallTime applied_at{};
  std::string refused_reason;  // why the newest config was refused; "" when it was applied
  WallTime refused_at{};
  std::string last_reconcile;  // "<time> (<why>) account A: N action(s)[, failure]"
  size_t startup_pending = 0;  // accounts whose start-up/reload pass has not completed
  size_t passes = 0;           // account reconciles since start
};

// Thread-safety: Open, Begin, Tick and Reload are called from one thread (the daemon's loop).
// Current, State, Api, ConfiguredLookup, RelayTargets, RequestRenewal and the conditions are
// safe from any thread (admin requests); the renewal callbacks run on the scheduler's thread.
class Controller {
 public:
  // Nothing is opened yet. `env` (what it points to) and `host` (when given) must outlive the
  // controller.
  Controller(KeeperEnv env, config::Config config, ControllerOptions options = {},
             ControllerHost* host = nullptr);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Opens the store (env.open_store, config store.sqlite_path), builds the platform client,
  // renewal service, executor and scheduler (not started), tells the host the config, and
  // publishes the routes of every stored subscription: after a restart the platform keeps
  // delivering to the subscriptions already there and must get no 404 while the start-up
  // reconcile talks to it. Errors: those of opening the store.
  Status Open();
  // The webhook listener is reachable at `public_url` (where the platform delivers). Applies
  // generation 1 and schedules the start-up pass of every account (spread over time when there
  // are many), and plans kForget for stored accounts no longer configured. REQUIRES: Open.
  void Begin(std::string public_url);
  // Reconciles the accounts whose turn has come at `now` (at most `max`, one list call each) and
  // refreshes refresh-token-only accounts when due. Returns when something is next due.
  WallTime Tick(WallTime now, size_t max);
  // Applies a newly loaded config — every account becomes due for a pass (reason "reload") —
  // or refuses it when it failed to load or changes what only a restart can change (listen
  // addresses, store, public URL, threads, admin token, TLS files); the old one keeps running.
  // Returns whether it was applied. REQUIRES: Begin.
  bool Reload(Result<config::Config> loaded);
  // With claims: one pass of AccountClaims::Maintain over the configured accounts, from the
  // thread that runs claims (the daemon's claims thread; tests call it by hand). The accounts
  // gained get their state read again from the store (tokens a previous holder refreshed,
  // penalties it was given) and a reconcile pass (reason "claimed") at the next Tick; the
  // scheduler and the relay pick up their work. Returns when it is next due (unset without
  // claims: nothing to do). REQUIRES: Open.
  std::optional<SteadyTime> MaintainClaims();
  // Gives back every claim held (shutdown, after the scheduler and the relay stopped).
  void ReleaseClaims();
  // This keeper's claims; null without claims. REQUIRES: Open.
  AccountClaims* claims() { return claims_.get(); }
  // Whether this keeper does the housekeeping shared by all (pruning delivered and dead
  // events): always without claims; with them, only the keeper holding the housekeeping claim,
  // a claim like an account's under the name kHousekeeping (river's leader election; nothing
  // correct depends on it, losing it costs at most a TTL of pruning). Thread-safe.
  bool Housekeeps() const;
  static constexpr const char* kHousekeeping = "*housekeeping*";  // never an account name

  // Asks the scheduler to renew account/name now (trigger manual). False when it is not in the
  // applied config (nothing asked).
  bool RequestRenewal(const std::string& account, const std::string& name);

  std::shared_ptr<const config::Config> Current() const;
  ConfigState State() const;
  // The platform client of the applied config (null before Open); kept alive by the caller.
  std::shared_ptr<platform::RestClient> Api() const;
  // Whether account/name is in the applied config (the lookup holds that config).
  renewal::Scheduler::IsConfigured ConfiguredLookup();
  // What the scheduler renews: configured, and (with claims) of an account this keeper holds.
  renewal::Scheduler::IsConfigured RenewableLookup();
  // The relay targets of the applied config: deliver_to of configured relayed subscriptions
  // (with claims: of accounts this keeper holds).
  relay::TargetLookup RelayTargets();
  // The conditions of each record (one entry per record) with their transition times: the
  // stored ones, and for a change not stored yet the time it is seen. Reads only.
  std::vector<std::vector<renewal::Condition>> ConditionsOf(
      const std::vector<store::SubscriptionRecord>& records);

  // A receiver over routes() committing to `sink`, handing reminders to the scheduler, with
  // the config's body limit and commit budget. `sink` must outlive it.
  std::unique_ptr<webhook::WebhookReceiver> MakeReceiver(webhook::EventSink& sink);

  // Whether Open succeeded.
  bool is_open() const { return scheduler_ != nullptr; }
  // REQUIRES: Open succeeded.
  store::Store& store() { return *store_; }
  renewal::Scheduler& scheduler() { return *scheduler_; }
  webhook::RouteTable& routes() { return routes_; }
  const KeeperEnv& env() const { return env_; }
  const std::string& public_url() const { return public_url_; }

 private:
  // The applied config and its AccountIndex, built once per config generation.
  struct Applied {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const reconcile::AccountIndex> index;
  };
  // Where the platform client keeps tokens and penalties: the store, fenced with claims.
  platform::AccountStateStore* StateStore();
  // Connects a new runtime's callbacks (routes, conditions) and publishes its client.
  void Wire(Runtime& runtime);
  // Why `next` cannot be applied ("" when it can).
  std::string Refusal(const Result<config::Config>& next) const;
  void Apply(std::shared_ptr<const config::Config> next);
  // Makes the cadence follow the configured accounts; `why` labels their next pass.
  void ScheduleAccounts(const config::Config& config, const std::string& why, bool expedite);
  // Reconciles `account` (one list call) with the applied config; true when complete.
  bool ReconcileAccount(const std::string& account, const std::string& why);
  // Plans kForget for the records of accounts no longer configured (no list call), using the
  // accounts the last PublishRoutes() saw in the store.
  void ForgetRemovedAccounts(const std::string& why);
  void Record(const std::string& account, const std::string& summary, bool complete);
  // Stores the condition transitions of account/name (after a renewal attempt settled).
  void TrackConditions(const std::string& account, const std::string& name);
  // Expedites the pass of the accounts MaintainClaims gained (reason "claimed"). Loop thread.
  void ScheduleClaimed(WallTime now);
  // Whether this keeper may act for `account`: no claims, or its claim is held and trusted.
  bool Acts(std::string_view account) const;
  // Stores the condition transitions of `records` that changed since they were last stored
  // (with claims: only of accounts this keeper holds; their holders store the others').
  void StoreTransitions(const std::vector<store::SubscriptionRecord>& records);

  // controller_routes.cc: the webhook routes, from the store's records and the applied config,
  // published whole (start-up, reload), per account (after its reconcile) or per subscription
  // (after its remote id changed).
  Applied AppliedConfig();
  // The current and rotated-out webhook secrets. SetTokens also redacts the rotated-out ones
  // from the logs and stores the book (store::SaveTokenBook) when it changed, so a restart in the
  // middle of a rotation still routes the old subscriptions.
  subscription::TokenBook Tokens();
  void SetTokens(const subscription::TokenBook& tokens);
  // `used`, when given, receives the index of each previous secret a route needed.
  std::optional<webhook::Route> RouteFor(const store::SubscriptionHead& record,
                                         const Applied& applied,
                                         const subscription::TokenBook& tokens,
                                         webhook::Interned& interned,
                                         std::set<size_t>* used = nullptr);
  webhook::RouteMap RoutesOf(const std::vector<store::SubscriptionHead>& heads,
                             webhook::Interned& interned, std::set<size_t>* used = nullptr);
  void PublishRoutes();
  void PublishAccountRoutes(const std::string& account);
  void PublishRoute(const std::string& account, const std::string& name);

  const KeeperEnv env_;
  const ControllerOptions options_;
  ControllerHost default_host_;
  ControllerHost& host_;
  std::unique_ptr<store::Store> store_;
  // With claims (both null without): the claims and the fenced token store the client uses.
  std::unique_ptr<AccountClaims> claims_;
  std::unique_ptr<FencedAccountState> fenced_state_;
  std::unique_ptr<AccountClaims> leader_;  // the housekeeping claim, with claims
  std::unique_ptr<Runtime> runtime_;       // replaced only while renewals are paused
  std::unique_ptr<renewal::Scheduler> scheduler_;
  webhook::RouteTable routes_;
  std::string public_url_;

  // Loop state (Tick, Reload): never touched by other threads.
  reconcile::ReconcileCadence cadence_;
  std::map<std::string, std::string> pass_reason_;  // account → why its next pass runs
  WallTime keepalive_at_{};                         // next RestClient::KeepAlive()
  WallTime sweep_at_{};                             // next condition sweep
  std::set<std::string> stored_accounts_;           // accounts with records, as of PublishRoutes()

  mutable Mutex mu_;  // the fields below are read by admin and scheduler threads
  std::shared_ptr<const config::Config> config_ GUARDED_BY(mu_);
  // The webhook secret and those replaced by reloads (or while the keeper was down):
  // subscriptions created with an old one are still routed with their old token until the
  // reconcile has replaced them (make-before-break).
  subscription::TokenBook tokens_ GUARDED_BY(mu_);
  int generation_ GUARDED_BY(mu_) = 0;
  WallTime applied_at_ GUARDED_BY(mu_){};
  std::string refused_reason_ GUARDED_BY(mu_);
  WallTime refused_at_ GUARDED_BY(mu_){};
  std::string last_reconcile_ GUARDED_BY(mu_);
  // runtime_'s client, for other threads.
  std::shared_ptr<platform::RestClient> status_api_ GUARDED_BY(mu_);
  // IndexByAccount of index_config_ (held, so its address cannot be reused by a later config).
  std::shared_ptr<const reconcile::AccountIndex> index_ GUARDED_BY(mu_);
  std::shared_ptr<const config::Config> index_config_ GUARDED_BY(mu_);
  size_t accounts_reconciled_ GUARDED_BY(mu_) = 0;
  std::set<std::string> startup_pending_ GUARDED_BY(mu_);
  // Accounts claimed by MaintainClaims whose pass the loop has not scheduled yet.
  std::vector<std::string> claimed_ GUARDED_BY(mu_);
};

}  // namespace subkeeper::app
