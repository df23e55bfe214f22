// Internal to the relay module: what the delivery pass (relay.cc) and the background threads
// (relay_loop.cc) share.
#pragma once

#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/store/records.h"

namespace subkeeper::relay {

struct Relay::Route {
  bool busy = false;         // a worker is delivering it
  bool failing = false;      // its last attempt failed (already logged)
  bool dead_logged = false;  // a dead-letter was logged during the current failure
};

namespace internal {

inline constexpr int kPruneBatch = 1000;
// The background loop turns after every finished subscription; pruning is not that urgent.
inline constexpr Seconds kPruneEvery{10};

inline std::string RouteKey(const std::string& account, const std::string& name) {
  return account + "/" + name;
}

// The delivery URL of the head's subscription; nullptr when it has none configured.
inline const std::string* UrlOf(const TargetLookup& targets, const store::EventRecord& head) {
  return targets(head.account, head.name);
}

}  // namespace internal
}  // namespace subkeeper::relay
