#include "rcemu/rate_limiter.h"

namespace rcemu {

RateLimiter::Bucket& RateLimiter::BucketFor(const std::string& user, RateGroup group,
                                            WallTime now) {
  Bucket& bucket = buckets_[{user, group}];
  while (!bucket.admitted.empty() && bucket.admitted.front() <= now - kWindow) {
    bucket.admitted.pop_front();
  }
  return bucket;
}

Admission RateLimiter::Admit(const std::string& user, RateGroup group, WallTime now) {
  Bucket& bucket = BucketFor(user, group, now);
  Admission admission;
  admission.limit = limits_.For(group);
  if (now < bucket.penalty_until) {
    // The "429 trap": a request inside the penalty restarts it (docs/platform.md §7).
    bucket.penalty_until = now + penalty_;
    admission.in_penalty = true;
    return admission;
  }
  const int used = static_cast<int>(bucket.admitted.size());
  if (used >= admission.limit) {
    bucket.penalty_until = now + penalty_;
    return admission;
  }
  bucket.admitted.push_back(now);
  admission.allowed = true;
  admission.remaining = admission.limit - used - 1;
  return admission;
}

void RateLimiter::StartPenalty(const std::string& user, RateGroup group, WallTime now,
                               Seconds duration) {
  BucketFor(user, group, now).penalty_until = now + duration;
}

int RateLimiter::Remaining(const std::string& user, RateGroup group, WallTime now) {
  const int used = static_cast<int>(BucketFor(user, group, now).admitted.size());
  const int left = limits_.For(group) - used;
  return left > 0 ? left : 0;
}

}  // namespace rcemu
