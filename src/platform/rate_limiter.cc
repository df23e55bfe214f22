#include "subkeeper/platform/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "subkeeper/common/log.h"
#include "subkeeper/platform/errors.h"

namespace subkeeper::platform {
namespace {

std::optional<int> IntHeader(const http::HttpResponse& response, std::string_view name) {
  const std::string* value = response.Header(name);
  if (value == nullptr) return std::nullopt;
  int parsed = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
  if (ec != std::errc() || ptr != value->data() + value->size() || parsed < 0) return std::nullopt;
  return parsed;
}

// Whole seconds, rounded up, so that a caller waiting retry_after() never arrives early.
std::chrono::seconds CeilSeconds(SteadyTime::duration d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

int DefaultRateLimit(RateGroup group) {
  switch (group) {
    case RateGroup::kLight:
      return 50;
    case RateGroup::kMedium:
      return 40;
    case RateGroup::kHeavy:
      return 10;
    case RateGroup::kAuth:
      return 5;
  }
  return 5;
}

RateLimiter::RateLimiter(const Clock& clock, AccountStateStore* state)
    : clock_(clock), state_(state) {}

void RateLimiter::Restore() {
  if (state_ == nullptr) return;
  // Wall time is what survives a restart; it is converted to steady time once, here.
  const WallTime wall_now = clock_.Now();
  const SteadyTime now = clock_.SteadyNow();
  Result<std::vector<RateBlock>> blocks = state_->LoadRateBlocks(wall_now);
  if (!blocks.ok()) {
    logging::PlatformLog().warn("rate limiter: cannot load persisted penalties: {}",
                                blocks.status().ToString());
    return;
  }
  MutexLock lock(mu_);
  for (const RateBlock& block : *blocks) {
    if (block.until <= wall_now) continue;
    Bucket& bucket = BucketFor({block.account, block.group});
    bucket.blocked_until = std::max(bucket.blocked_until, now + (block.until - wall_now));
  }
}

RateLimiter::Bucket& RateLimiter::BucketFor(const Key& key) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    it = buckets_.emplace(key, Bucket{}).first;
    it->second.limit = DefaultRateLimit(key.second);
  }
  return it->second;
}

void RateLimiter::Prune(Bucket& bucket, SteadyTime now) {
  while (!bucket.sent.empty() && bucket.sent.front() + bucket.window <= now) {
    bucket.sent.pop_front();
  }
}

Status RateLimiter::Admit(const std::string& account, RateGroup group) {
  const SteadyTime now = clock_.SteadyNow();
  const std::string what = std::string(RateGroupName(group)) + " requests of account '" + account;
  int limit = 0;
  std::chrono::seconds window{0};
  {
    MutexLock lock(mu_);
    Bucket& bucket = BucketFor({account, group});
    if (now < bucket.blocked_until) {
      return Status::ResourceExhausted(what + "' are paused by the platform's rate limit")
          .WithRetryAfter(CeilSeconds(bucket.blocked_until - now));
    }
    Prune(bucket, now);
    if (static_cast<int>(bucket.sent.size()) >= bucket.limit) {
      const SteadyTime free_at =
          bucket.sent.empty() ? now + bucket.window : bucket.sent.front() + bucket.window;
      return Status::ResourceExhausted(what + "' used their budget for this window")
          .WithRetryAfter(CeilSeconds(free_at - now));
    }
    bucket.sent.push_back(now);
    if (state_ == nullptr) return Status::OK();
    limit = bucket.limit;
    window = bucket.window;
  }
  // The budget every keeper on the store shares, written before the request is sent; outside
  // mu_, so a store round trip holds up no other caller. A refusal (or a store that cannot say)
  // gives this reservation back: nothing is sent.
  Result<Millis> shared = state_->SpendRequest(account, group, limit, window, clock_.Now());
  if (shared.ok() && *shared == Millis(0)) return Status::OK();
  {
    MutexLock lock(mu_);
    Bucket& bucket = BucketFor({account, group});
    if (auto it = std::find(bucket.sent.rbegin(), bucket.sent.rend(), now);
        it != bucket.sent.rend()) {
      bucket.sent.erase(std::next(it).base());
    }
  }
  if (!shared.ok()) {
    return Status::Unavailable(
        what + "' cannot be counted in the shared budget: " + shared.status().message());
  }
  return Status::ResourceExhausted(what + "' used the budget the keepers share for this window")
      .WithRetryAfter(CeilSeconds(*shared));
}

void RateLimiter::ApplyHeaders(Bucket& bucket, const http::HttpResponse& response, SteadyTime now) {
  if (auto window = IntHeader(response, "X-Rate-Limit-Window"); window && *window > 0) {
    bucket.window = std::chrono::seconds(*window);
  }
  if (auto limit = IntHeader(response, "X-Rate-Limit-Limit"); limit && *limit > 0) {
    bucket.limit = *limit;
  }
  auto remaining = IntHeader(response, "X-Rate-Limit-Remaining");
  if (!remaining) return;
  if (*remaining == 0) {
    bucket.blocked_until = std::max(bucket.blocked_until, now + bucket.window);
  }
  // The platform's count includes requests we did not send (other replicas, other tools): make
  // our window hold exactly as many entries as it says were used. Unknown send times are taken
  // as "now", which errs on the side of waiting longer.
  Prune(bucket, now);
  const size_t used = static_cast<size_t>(std::max(bucket.limit - *remaining, 0));
  while (bucket.sent.size() > used) bucket.sent.pop_front();
  while (bucket.sent.size() < used) bucket.sent.push_back(now);
}

void RateLimiter::Observe(const std::string& account, RateGroup group,
                          const http::HttpResponse& response) {
  const SteadyTime now = clock_.SteadyNow();
  SteadyTime blocked_until;
  {
    MutexLock lock(mu_);
    Bucket& bucket = BucketFor({account, group});
    const SteadyTime before = bucket.blocked_until;
    if (response.status == 429) {
      bucket.blocked_until = std::max(bucket.blocked_until, now + ParseRetryAfter(response));
    }
    ApplyHeaders(bucket, response, now);
    if (bucket.blocked_until == before) return;
    blocked_until = bucket.blocked_until;
  }
  // Outside mu_: a store write must not hold up every other caller's Admit().
  if (state_ == nullptr) return;
  const RateBlock block{account, group, clock_.Now() + (blocked_until - now)};
  if (Status saved = state_->SaveRateBlock(block); !saved.ok()) {
    logging::PlatformLog({account}).warn("rate limiter: cannot persist the {} penalty: {}",
                                         RateGroupName(group), saved.ToString());
  }
}

std::vector<RateLimitSnapshot> RateLimiter::Snapshot() const {
  const SteadyTime now = clock_.SteadyNow();
  MutexLock lock(mu_);
  std::vector<RateLimitSnapshot> out;
  for (const auto& [key, bucket] : buckets_) {
    const auto live =
        std::count_if(bucket.sent.begin(), bucket.sent.end(),
                      [&, window = bucket.window](SteadyTime t) { return t + window > now; });
    const bool blocked = now < bucket.blocked_until;
    const int remaining = blocked ? 0 : std::max(bucket.limit - static_cast<int>(live), 0);
    out.push_back(
        {key.first, key.second, bucket.limit, remaining, bucket.window, bucket.blocked_until});
  }
  return out;
}

}  // namespace subkeeper::platform
