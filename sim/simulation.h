// Deterministic simulation: the keeper's shipped controller (app::Controller: its scheduler,
// renewal service, planner, executor, reconcile cadence, routes and platform client) and webhook
// receiver, driven on one virtual clock against in-process emulated
// platforms (one rcemu::Platform per account, so every account is its own user), with faults on
// a seeded schedule. Single thread; no sleeps; 30 virtual days take minutes at most.
//
// Everything random (the fault schedule, which request a fault hits, the keeper's jitter) comes
// from one std::mt19937_64 seeded with SimOptions::seed: the same options give the same report,
// byte for byte (wall_seconds aside), so a failing seed is replayed with the same command line.
//
// What is measured comes from the simulation's own transports and the emulated platforms, never
// from the keeper's view of itself.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace subkeeper::sim {

// Fault rates are per virtual day unless said otherwise; 0 turns a kind off.
struct FaultOptions {
  double bursts_5xx_per_day = 4;       // windows of 1–15 min in which calls get 500/502/503/504
  double bursts_429_per_day = 4;       // windows of 1–15 min in which calls get 429, Retry-After
                                       // 1–120 s (a real penalty on the platform)
  double timeout_bursts_per_day = 4;   // windows of 1–15 min in which calls time out
  double token_outages_per_day = 0.1;  // token endpoint answers 503 for an hour
  double hit_probability = 0.3;        // chance that a call inside a burst window is hit
  double purges_per_sub_day = 0.001;   // subscription silently purged by the platform
  double blacklists_per_sub_day = 0.001;  // subscription blacklisted by the platform
};

struct SimOptions {
  uint64_t seed = 1;
  int accounts = 100;
  int subscriptions_per_account = 3;
  int days = 30;
  int64_t expires_in_s = 604800;  // requested lifetime (config default, 7 days)
  // Reminder filter; 0 = the config default: threshold = min(1 day, expires/4),
  // interval = min(1 h, threshold/4).
  int64_t reminder_threshold_s = 0;
  int64_t reminder_interval_s = 0;
  bool reminders_enabled = true;         // false: the platform sends no reminder at all
  int64_t reconcile_interval_s = 900;    // per-account periodic reconcile (config default)
  int64_t max_reminder_spread_s = 3600;  // scheduler's reminder spread (SchedulerOptions)
  int restarts = 3;                      // keeper restarts, at random times
  int64_t restart_downtime_min_s = 0;    // the keeper is down min..max per restart
  int64_t restart_downtime_max_s = 300;
  int64_t step_s = 60;  // the platform's reminder/expiry job period
  FaultOptions faults;
  std::string work_dir;  // for the SQLite file; "" = /dev/shm when it exists, else /tmp
};

struct SimReport {
  // Inputs, echoed so a report says how to replay it.
  uint64_t seed = 0;
  int accounts = 0;
  int subscriptions_per_account = 0;
  double virtual_days = 0;

  // Targets.
  int64_t expired = 0;  // subscriptions the platform purged at expiry (deliberate purges excluded)
  int64_t min_slack_s = 0;          // over every successful renew: old expirationTime - now
  int64_t requests_in_penalty = 0;  // requests the platform received inside a 429 penalty
  int64_t duplicate_creates = 0;    // creates while a live one of the same address existed
  double calls_per_renewal = 0;     // see below

  // Successful renewals (renew, and update answered 200) and creates (200), as answered to
  // the keeper.
  int64_t renewals = 0;
  int64_t creates = 0;
  // Every request the keeper sent, by kind: renew create get list update delete token
  // ("list" = all lists, "reconcile_list" = those made by a reconcile pass).
  std::map<std::string, int64_t> api_calls;
  // calls_per_renewal = (renew + create + get + update + delete + lists outside reconciles) /
  // (renewals + creates). Token calls and reconcile lists are NOT in it; they are reported as
  // token_calls_per_account_day and list_calls_per_account_day (reconcile lists).
  double token_calls_per_account_day = 0;
  double list_calls_per_account_day = 0;
  std::map<std::string, int64_t> faults;  // injected, by kind
  int64_t restarts = 0;
  int64_t reminders_delivered = 0;
  double wall_seconds = 0;

  // True when every target holds: 0 expired, 0 requests in a penalty, 0 duplicate creates,
  // calls_per_renewal <= 1.2.
  bool TargetsMet() const;
  // One JSON object (wall_seconds included unless `with_wall` is false, for byte comparisons).
  std::string Json(bool with_wall = true) const;
  // One human line.
  std::string Summary() const;
};

// Runs the simulation. Never throws for keeper errors (they are what is measured); aborts the
// process only if the SQLite file cannot be created.
SimReport RunSimulation(const SimOptions& options);

}  // namespace subkeeper::sim
