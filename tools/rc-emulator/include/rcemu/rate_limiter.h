// Per-user, per-group request budgets over a 60 s sliding window with the platform's 429
// penalty: once over the limit the group is blocked for `penalty`, and every request that
// arrives during the penalty is rejected and restarts it (docs/platform.md §7). Pure: time is
// passed in. Not thread-safe; the Platform calls it under its lock.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "rcemu/types.h"

namespace rcemu {

struct Admission {
  bool allowed = false;
  bool in_penalty = false;  // rejected because a penalty was already running
  int limit = 0;
  int remaining = 0;  // after this request
};

class RateLimiter {
 public:
  static constexpr Seconds kWindow{60};

  RateLimiter(RateLimits limits, Seconds penalty) : limits_(limits), penalty_(penalty) {}

  // Counts one request of `user` in `group` at `now` and says whether it may proceed.
  Admission Admit(const std::string& user, RateGroup group, WallTime now);

  // Starts (or restarts) a penalty of `duration` for `user` in `group`, as an injected
  // rate-limit fault does.
  void StartPenalty(const std::string& user, RateGroup group, WallTime now, Seconds duration);

  // Budget left for `user` in `group` without counting a request.
  int Remaining(const std::string& user, RateGroup group, WallTime now);

  int Limit(RateGroup group) const { return limits_.For(group); }
  Seconds penalty() const { return penalty_; }

 private:
  struct Bucket {
    std::deque<WallTime> admitted;  // times of admitted requests inside the window
    WallTime penalty_until{};
  };
  Bucket& BucketFor(const std::string& user, RateGroup group, WallTime now);

  RateLimits limits_;
  Seconds penalty_;
  std::map<std::pair<std::string, RateGroup>, Bucket> buckets_;
};

}  // namespace rcemu
