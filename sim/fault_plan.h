// The fault schedule of a simulation run: what happens when, drawn once from the seeded engine
// before the run starts, so it does not depend on what the keeper does.
#pragma once

#include <random>
#include <vector>

#include "simulation.h"
#include "subkeeper/common/clock.h"

namespace subkeeper::sim {

enum class FaultKind {
  k5xxBurst,      // calls inside the window may get 500/502/503/504 (emulator fault)
  k429Burst,      // calls inside the window may get 429 + Retry-After 1–120 s (real penalty)
  kTimeoutBurst,  // calls inside the window may time out (processed by the platform or not)
  kTokenOutage,   // the token endpoint answers 503 for the window
  kPurge,         // one random live subscription disappears (Platform::Purge)
  kBlacklist,     // one random live subscription is blacklisted (Platform::Blacklist)
  kRestart,       // the keeper process is destroyed, down for `duration`, then rebuilt
};
const char* FaultKindName(FaultKind kind);

struct FaultEvent {
  WallTime at;
  FaultKind kind;
  Seconds duration{0};  // windows and restarts
};

// Events between `start` and start + options.days, ordered by time (ties keep kind order).
// Counts are rate × days (× subscriptions for purges and blacklists), rounded.
std::vector<FaultEvent> MakeFaultPlan(const SimOptions& options, std::mt19937_64& engine,
                                      WallTime start);

// The burst windows open at a given moment.
struct ActiveFaults {
  WallTime until_5xx{};
  WallTime until_429{};
  WallTime until_timeout{};
  WallTime until_token_down{};

  // Opens the window of a burst or outage event (others are ignored).
  void Open(const FaultEvent& event);
};

}  // namespace subkeeper::sim
