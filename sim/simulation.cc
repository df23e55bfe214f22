#include "simulation.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "fault_plan.h"
#include "keeper_rig.h"
#include "platform_farm.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::sim {
namespace {

constexpr const char* kServer = "http://platform.sim";
constexpr const char* kPublicUrl = "http://keeper.sim";
constexpr const char* kEventFilter = "/restapi/v1.0/account/~/extension/~/message-store";

std::string AccountName(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "acct%05d", i);
  return name;
}

config::Config MakeConfig(const SimOptions& options, const std::string& db_path) {
  config::Config config;
  config.store.sqlite_path = db_path;
  config.public_url = kPublicUrl;
  config.platform.server = kServer;
  config.platform.client_id = "demo-client";
  config.platform.client_secret = Secret("demo-secret");
  config.webhook_secret = Secret("sim-webhook-secret");
  config.renewal.reconcile_interval_s = options.reconcile_interval_s;
  subscription::ReminderSpec reminder = subscription::DefaultReminder(options.expires_in_s);
  if (options.reminder_threshold_s > 0) reminder.threshold_s = options.reminder_threshold_s;
  if (options.reminder_interval_s > 0) reminder.interval_s = options.reminder_interval_s;
  for (int i = 0; i < options.accounts; ++i) {
    const std::string account = AccountName(i);
    config.accounts.push_back({account, Secret("sim-jwt-" + account), Secret()});
    for (int s = 0; s < options.subscriptions_per_account; ++s) {
      config::SubscriptionConfig sub;
      sub.name = "s" + std::to_string(s);
      sub.account = account;
      sub.event_filters = {kEventFilter};
      sub.expires_in_s = options.expires_in_s;
      sub.reminder = reminder;
      config.subscriptions.push_back(std::move(sub));
    }
  }
  return config;
}

std::string DatabasePath(const SimOptions& options) {
  std::string dir = options.work_dir;
  if (dir.empty()) dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir + "/subkeeper-sim-" + std::to_string(getpid()) + "-" + std::to_string(options.seed) +
         ".db";
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    std::filesystem::remove(path + suffix, ignored);
  }
}

// The run's state: one engine, one clock, the platforms, the transports and the keeper.
class Simulation {
 public:
  explicit Simulation(const SimOptions& options)
      : options_(options),
        engine_(options.seed),
        db_path_(DatabasePath(options)),
        config_(MakeConfig(options, db_path_)),
        start_(clock_.Now()),
        end_(start_ + Seconds(static_cast<int64_t>(options.days) * 86400)),
        hooks_(kPublicUrl),
        farm_(Jwts(config_), PlatformOptions(options), hooks_, clock_, Seconds(options.step_s),
              start_),
        transport_(kServer, farm_, clock_, engine_, active_, options.faults.hit_probability,
                   metrics_) {
    plan_ = MakeFaultPlan(options_, engine_, start_);
  }
  ~Simulation() {
    hooks_.Attach(nullptr);
    rig_.reset();
    RemoveDatabase(db_path_);
  }

  SimReport Run();

 private:
  static std::vector<std::string> Jwts(const config::Config& config) {
    std::vector<std::string> jwts;
    for (const auto& account : config.accounts) jwts.push_back(account.jwt.Reveal());
    return jwts;
  }
  static rcemu::Options PlatformOptions(const SimOptions& options) {
    rcemu::Options platform;
    platform.base_url = kServer;
    platform.seed = "sim-" + std::to_string(options.seed);
    platform.reminders_enabled = options.reminders_enabled;
    return platform;
  }
  std::function<double()> Random() {
    return [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); };
  }
  void StartKeeper();
  void ApplyFault(const FaultEvent& event);
  void PickAndHit(FaultKind kind);
  WallTime NextWakeUp() const;
  SimReport Report(double wall_seconds) const;

  const SimOptions options_;
  std::mt19937_64 engine_;
  const std::string db_path_;
  const config::Config config_;
  ManualClock clock_;
  const WallTime start_;
  const WallTime end_;
  Metrics metrics_;
  ActiveFaults active_;
  HookTransport hooks_;
  PlatformFarm farm_;
  KeeperTransport transport_;
  std::vector<FaultEvent> plan_;
  size_t next_fault_ = 0;
  std::unique_ptr<KeeperRig> rig_;
  WallTime keeper_back_at_{};  // while rig_ is null
  WallTime scheduler_due_{};
  WallTime controller_due_{};
};

void Simulation::StartKeeper() {
  rig_ = std::make_unique<KeeperRig>(config_, clock_, transport_, Random(),
                                     Seconds(options_.max_reminder_spread_s));
  hooks_.Attach(rig_.get());
  transport_.SettleDuplicates();
  scheduler_due_ = clock_.Now();
  controller_due_ = clock_.Now();
}

void Simulation::PickAndHit(FaultKind kind) {
  // A random account, then a random live subscription of it (none: the fault is lost).
  const size_t shard = std::uniform_int_distribution<size_t>(0, farm_.size() - 1)(engine_);
  const WallTime now = clock_.Now();
  std::vector<std::string> live;
  for (const auto& sub : farm_.at(shard).Subscriptions()) {
    if (sub.expiration_time > now && sub.status == "Active") live.push_back(sub.id);
  }
  if (live.empty()) return;
  const std::string& id = live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(engine_)];
  if (kind == FaultKind::kPurge) {
    farm_.at(shard).Purge(id);
  } else {
    farm_.at(shard).Blacklist(id, "Webhook responses with code: [500]", now);
  }
  farm_.Touch(shard, now);
  ++metrics_.faults[FaultKindName(kind)];
}

void Simulation::ApplyFault(const FaultEvent& event) {
  switch (event.kind) {
    case FaultKind::kPurge:
    case FaultKind::kBlacklist:
      PickAndHit(event.kind);
      return;
    case FaultKind::kRestart:
      if (!rig_) return;  // already down
      hooks_.Attach(nullptr);
      rig_.reset();
      keeper_back_at_ = clock_.Now() + event.duration;
      ++metrics_.restarts;
      ++metrics_.faults["restart"];
      return;
    default:
      active_.Open(event);
      ++metrics_.faults[std::string(FaultKindName(event.kind)) + "_window"];
      return;
  }
}

WallTime Simulation::NextWakeUp() const {
  WallTime next = end_;
  if (next_fault_ < plan_.size()) next = std::min(next, plan_[next_fault_].at);
  next = std::min(next, farm_.NextJob());
  if (!rig_) return std::min(next, keeper_back_at_);
  next = std::min(next, scheduler_due_);
  return std::min(next, controller_due_);
}

SimReport Simulation::Run() {
  const auto wall_start = std::chrono::steady_clock::now();
  StartKeeper();
  while (clock_.Now() < end_) {
    clock_.Set(std::max(clock_.Now(), NextWakeUp()));
    const WallTime now = clock_.Now();
    while (next_fault_ < plan_.size() && plan_[next_fault_].at <= now)
      ApplyFault(plan_[next_fault_++]);
    if (!rig_ && now >= keeper_back_at_) StartKeeper();
    const int64_t reminders = farm_.RunJob(clock_.Now());
    metrics_.reminders += reminders;
    if (!rig_) continue;
    const size_t passes = rig_->passes();
    controller_due_ = rig_->Tick(clock_.Now());
    const bool changed = reminders > 0 || rig_->passes() != passes;
    if (changed || clock_.Now() >= scheduler_due_) scheduler_due_ = rig_->TickScheduler();
    transport_.SettleDuplicates();
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return Report(wall);
}

SimReport Simulation::Report(double wall_seconds) const {
  SimReport report;
  report.seed = options_.seed;
  report.accounts = options_.accounts;
  report.subscriptions_per_account = options_.subscriptions_per_account;
  report.virtual_days = std::chrono::duration<double>(clock_.Now() - start_).count() / 86400.0;
  report.expired = farm_.ExpiredPurges() + metrics_.expired_on_touch;
  report.min_slack_s =
      metrics_.min_slack ? std::chrono::duration_cast<Seconds>(*metrics_.min_slack).count() : 0;
  report.requests_in_penalty = metrics_.requests_in_penalty;
  report.duplicate_creates = metrics_.duplicate_creates;
  report.renewals = metrics_.renewals;
  report.creates = metrics_.creates;
  for (const char* kind :
       {"renew", "create", "get", "list", "reconcile_list", "update", "delete", "token", "other"})
    report.api_calls[kind] = 0;
  for (const auto& [kind, count] : metrics_.calls) report.api_calls[kind] = count;
  const auto& calls = report.api_calls;
  const int64_t subscription_calls = calls.at("renew") + calls.at("create") + calls.at("get") +
                                     calls.at("update") + calls.at("delete") + calls.at("list") -
                                     calls.at("reconcile_list");
  const int64_t lifetimes = report.renewals + report.creates;
  report.calls_per_renewal =
      lifetimes > 0 ? static_cast<double>(subscription_calls) / static_cast<double>(lifetimes) : 0;
  const double account_days = options_.accounts * report.virtual_days;
  if (account_days > 0) {
    report.token_calls_per_account_day = static_cast<double>(calls.at("token")) / account_days;
    report.list_calls_per_account_day =
        static_cast<double>(calls.at("reconcile_list")) / account_days;
  }
  report.faults = metrics_.faults;
  report.restarts = metrics_.restarts;
  report.reminders_delivered = metrics_.reminders;
  report.wall_seconds = wall_seconds;
  return report;
}

}  // namespace

SimReport RunSimulation(const SimOptions& options) {
  Simulation simulation(options);
  return simulation.Run();
}

}  // namespace subkeeper::sim
