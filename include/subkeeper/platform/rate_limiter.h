// Client-side throttling per account and per platform rate-limit group (docs/platform.md §7).
//
// Each (account, group) has a budget seeded from the documented defaults (Light 50, Medium 40,
// Heavy 10, Auth 5 requests per 60 s), counted over a sliding window of the requests this process
// sent, and corrected from the X-Rate-Limit-Limit/-Remaining/-Window headers of every answer
// (other replicas and tools share the same platform budget). A 429 blocks the group until
// Retry-After (30 s when absent) has passed; so does Remaining: 0, until one window has passed.
// While blocked, Admit() refuses locally: the platform restarts a penalty on every request sent
// inside it, so nothing may be sent.
//
// With an AccountStateStore, every admitted request is also spent from the budget the keepers
// sharing the store count together (AccountStateStore::SpendRequest, in the database with
// PostgreSQL) before it is sent: after a failover the new holder of an account knows what the
// previous one sent in the current window.
//
// Blocks are reported to the injected AccountStateStore (when given) as wall-clock RateBlocks and
// restored from it by Restore(), so a restarted keeper still honours a penalty it was given.
//
// Thread-safe. Time is read from the injected Clock (SteadyNow for windows and blocks; Now only
// to convert blocks to and from wall time).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

// The documented default budget of `group` per 60 s window.
int DefaultRateLimit(RateGroup group);

struct RateLimitSnapshot {
  std::string account;
  RateGroup group = RateGroup::kLight;
  int limit = 0;      // requests per window
  int remaining = 0;  // requests still allowed in the current window; 0 while blocked
  std::chrono::seconds window{60};
  SteadyTime blocked_until{};  // in the past (or epoch) when not blocked
};

class RateLimiter {
 public:
  // `clock` must outlive the limiter.
  explicit RateLimiter(const Clock& clock, AccountStateStore* state = nullptr);

  // Re-applies the persisted blocks that are still in force (errors are logged, not fatal).
  void Restore();

  // Reserves one request of `group` for `account`: OK when it may be sent now (and counts it),
  // otherwise kResourceExhausted with retry_after() = the time until a request may be sent
  // (rounded up to whole seconds, at least 1 s). Never sends anything.
  Status Admit(const std::string& account, RateGroup group);

  // Records what an answer to a request of `group` says about the budget: a 429 blocks the group
  // for ParseRetryAfter(response); X-Rate-Limit-* headers correct the limit, the window and the
  // count of requests used.
  void Observe(const std::string& account, RateGroup group, const http::HttpResponse& response);

  // One entry per (account, group) seen so far, ordered by account then group.
  std::vector<RateLimitSnapshot> Snapshot() const;

 private:
  struct Bucket {
    int limit = 0;
    std::chrono::seconds window{60};
    std::deque<SteadyTime> sent;  // send times within the last window, oldest first
    SteadyTime blocked_until{};
  };
  using Key = std::pair<std::string, RateGroup>;

  Bucket& BucketFor(const Key& key) REQUIRES(mu_);
  static void Prune(Bucket& bucket, SteadyTime now);
  static void ApplyHeaders(Bucket& bucket, const http::HttpResponse& response, SteadyTime now);

  const Clock& clock_;
  AccountStateStore* state_;  // may be null; written outside mu_
  mutable Mutex mu_;
  std::map<Key, Bucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace subkeeper::platform
