// The emulated platform of a simulation: one rcemu::Platform per account (each account is its
// own emulated user, so lists and the per-user scans of the emulator stay 3 subscriptions long),
// plus one "stranger" platform that answers requests carrying a token nobody issued (401).
//
// Requests are routed by credential: token calls by their JWT assertion or refresh token,
// API calls by their bearer token, learned from the token answers the farm passed on.
//
// The reminder/expiry job (Platform::Tick) runs on a grid of `step`, but only for the platforms
// that can have something due: each one's next job time is recomputed from its subscriptions
// after every call that may change them (Touch), so 30k idle subscriptions cost nothing.
//
// Not thread-safe: owned by the simulation's single thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rcemu/platform.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/http/http.h"

namespace subkeeper::sim {

class PlatformFarm {
 public:
  // `hooks` (the keeper's webhook side) and `clock` must outlive the farm. Account i logs in
  // with jwts[i].
  PlatformFarm(const std::vector<std::string>& jwts, rcemu::Options options,
               http::HttpTransport& hooks, const Clock& clock, Seconds step, WallTime start);

  // The platform (account index) a request goes to; size() for the stranger.
  size_t Route(const rcemu::Request& request) const;
  // Answers `request` on platform `shard` and learns the tokens of a successful token answer.
  rcemu::Response Handle(size_t shard, const rcemu::Request& request, WallTime now);

  rcemu::Platform& at(size_t shard) { return *platforms_[shard]; }
  size_t size() const { return platforms_.size() - 1; }  // accounts (the stranger excluded)

  // Live subscription `id` of platform `shard` (expired ones included until purged).
  std::optional<rcemu::SubscriptionSnapshot> Find(size_t shard, const std::string& id) const;

  // Recomputes when platform `shard` next needs its job, from `now` on.
  void Touch(size_t shard, WallTime now);
  // The next grid time at which some platform needs its job; WallTime::max() when none.
  WallTime NextJob() const;
  // Runs the job of every platform due at `now` and performs its deliveries. Returns how many
  // reminders were delivered with a 2xx.
  int64_t RunJob(WallTime now);

  // Sum of Platform::ExpiredPurges over every platform.
  int64_t ExpiredPurges() const;

 private:
  WallTime Align(WallTime t) const;  // the first grid time >= t
  void Learn(size_t shard, const rcemu::Response& response);
  void Remember(size_t shard, const std::string& token, bool refresh);

  http::HttpTransport& hooks_;
  const Clock& clock_;
  const Seconds step_;
  const WallTime start_;
  std::vector<std::unique_ptr<rcemu::Platform>> platforms_;  // accounts, then the stranger
  std::map<std::string, size_t> by_jwt_;
  std::map<std::string, size_t> by_access_;
  std::map<std::string, size_t> by_refresh_;
  // The last few tokens of each platform, so older ones can be forgotten.
  std::vector<std::deque<std::string>> recent_access_;
  std::vector<std::deque<std::string>> recent_refresh_;
  std::vector<WallTime> next_job_;             // per platform; max() = none
  std::set<std::pair<WallTime, size_t>> due_;  // (next job, platform)
};

}  // namespace subkeeper::sim
