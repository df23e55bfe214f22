#include "subkeeper/app/account_claims.h"

#include <algorithm>

#include "subkeeper/common/log.h"

namespace subkeeper::app {

AccountClaims::AccountClaims(store::ClaimStore& store, const Clock& clock, std::string owner,
                             ClaimOptions options)
    : store_(store), clock_(clock), owner_(std::move(owner)), options_(options) {}

AccountClaims::Changes AccountClaims::Maintain(const std::set<std::string>& wanted) {
  Changes changes;
  std::map<std::string, Claim, std::less<>> held;
  std::map<std::string, SteadyTime, std::less<>> retry_at;
  {
    MutexLock lock(mu_);
    changes.lost.swap(fenced_out_);
    held = claims_;
    retry_at = retry_at_;
  }
  // Held but no longer wanted: given back.
  for (const auto& [account, claim] : held) {
    if (wanted.count(account)) continue;
    if (Status released = store_.ReleaseClaim(account, claim.epoch); !released.ok()) {
      logging::KeeperLog({account}).warn("claims: cannot give back the claim: {}",
                                         released.ToString());
    }
    MutexLock lock(mu_);
    claims_.erase(account);
    counters_.released += 1;
  }
  for (const std::string& account : wanted) {
    // The steady time is read before each store call: trust counts from the call's start.
    const SteadyTime started = clock_.SteadyNow();
    const WallTime now = clock_.Now();
    if (auto it = held.find(account); it != held.end()) {
      if (started < it->second.extend_at) continue;
      // Lost (lapsed while this keeper stalled, or taken): claimed again at once if free.
      if (Extend(account, it->second, now, started, changes)) continue;
      Take(account, now, started, changes);
      continue;
    }
    if (auto it = retry_at.find(account); it != retry_at.end() && started < it->second) continue;
    Take(account, now, started, changes);
  }
  MutexLock lock(mu_);
  for (auto it = retry_at_.begin(); it != retry_at_.end();) {
    it = wanted.count(it->first) ? std::next(it) : retry_at_.erase(it);
  }
  return changes;
}

void AccountClaims::Take(const std::string& account, WallTime now, SteadyTime started,
                         Changes& changes) {
  auto taken = store_.TryClaimAccount(account, owner_, now, now + options_.ttl);
  MutexLock lock(mu_);
  retry_at_[account] = started + options_.poll();
  if (!taken.ok()) {
    logging::KeeperLog({account}).warn("claims: cannot claim the account: {}",
                                       taken.status().ToString());
    return;
  }
  if (!taken->has_value()) return;  // another keeper holds it
  const store::AccountClaim& claim = **taken;
  claims_[account] = {claim.epoch, claim.until, started + options_.ttl - options_.margin(),
                      started + options_.extend_after()};
  retry_at_.erase(account);
  counters_.gained += 1;
  changes.gained.push_back(account);
  logging::KeeperLog({account}).info("claims: this keeper ({}) now holds the account, epoch {}",
                                     owner_, claim.epoch);
}

bool AccountClaims::Extend(const std::string& account, const Claim& held, WallTime now,
                           SteadyTime started, Changes& changes) {
  const WallTime until = now + options_.ttl;
  auto extended = store_.ExtendClaim(account, held.epoch, now, until);
  MutexLock lock(mu_);
  auto it = claims_.find(account);
  if (it == claims_.end() || it->second.epoch != held.epoch) return true;  // fenced out meanwhile
  if (!extended.ok()) {
    // The store is unreachable: the claim stays, its trust runs out on its own, and the next
    // poll tries again.
    it->second.extend_at = started + options_.poll();
    logging::KeeperLog({account}).warn("claims: cannot extend the claim: {}",
                                       extended.status().ToString());
    return true;
  }
  if (!*extended) {
    claims_.erase(it);
    counters_.lost += 1;
    changes.lost.push_back(account);
    logging::KeeperLog({account}).warn(
        "claims: the claim of epoch {} was lost (lapsed or taken by another keeper)", held.epoch);
    return false;
  }
  it->second.until = until;
  it->second.trusted_until = started + options_.ttl - options_.margin();
  it->second.extend_at = started + options_.extend_after();
  return true;
}

SteadyTime AccountClaims::NextDue() const {
  MutexLock lock(mu_);
  SteadyTime next = clock_.SteadyNow() + options_.poll();
  for (const auto& [account, claim] : claims_) next = std::min(next, claim.extend_at);
  for (const auto& [account, at] : retry_at_) next = std::min(next, at);
  return next;
}

void AccountClaims::ReleaseAll() {
  std::map<std::string, Claim, std::less<>> held;
  {
    MutexLock lock(mu_);
    held.swap(claims_);
  }
  for (const auto& [account, claim] : held) {
    if (Status released = store_.ReleaseClaim(account, claim.epoch); !released.ok()) {
      logging::KeeperLog({account}).warn("claims: cannot give back the claim: {}",
                                         released.ToString());
    }
  }
  MutexLock lock(mu_);
  counters_.released += static_cast<int64_t>(held.size());
}

bool AccountClaims::Holds(std::string_view account) const {
  const SteadyTime now = clock_.SteadyNow();
  MutexLock lock(mu_);
  auto it = claims_.find(account);
  return it != claims_.end() && now < it->second.trusted_until;
}

std::optional<int64_t> AccountClaims::Epoch(std::string_view account) const {
  MutexLock lock(mu_);
  auto it = claims_.find(account);
  if (it == claims_.end()) return std::nullopt;
  return it->second.epoch;
}

void AccountClaims::FenceLost(std::string_view account, int64_t epoch) {
  MutexLock lock(mu_);
  counters_.fence_lost += 1;
  auto it = claims_.find(account);
  if (it == claims_.end() || it->second.epoch != epoch) return;
  claims_.erase(it);
  counters_.lost += 1;
  fenced_out_.emplace_back(account);
}

std::vector<HeldClaim> AccountClaims::Held() const {
  const SteadyTime now = clock_.SteadyNow();
  MutexLock lock(mu_);
  std::vector<HeldClaim> out;
  out.reserve(claims_.size());
  for (const auto& [account, claim] : claims_)
    out.push_back({account, claim.epoch, claim.until, now < claim.trusted_until});
  return out;
}

ClaimCounters AccountClaims::counters() const {
  MutexLock lock(mu_);
  return counters_;
}

Status AccountClaims::Admit(std::string_view account, std::chrono::milliseconds timeout) {
  const SteadyTime now = clock_.SteadyNow();
  MutexLock lock(mu_);
  auto it = claims_.find(account);
  if (it == claims_.end()) {
    return Status::Unavailable("account '" + std::string(account) +
                               "' is not claimed by this keeper; its holder calls the platform");
  }
  if (now + timeout >= it->second.trusted_until) {
    return Status::Unavailable("the claim on account '" + std::string(account) +
                               "' is not trusted for the call's timeout; waiting to extend it");
  }
  return Status::OK();
}

FencedAccountState::FencedAccountState(store::Store& store, AccountClaims& claims)
    : store_(store), claims_(claims) {}

Result<std::vector<platform::AccountSnapshot>> FencedAccountState::LoadAccounts() {
  return store_.LoadAccounts();
}

Status FencedAccountState::SaveAccount(const platform::AccountSnapshot& snapshot) {
  const std::optional<int64_t> epoch = claims_.Epoch(snapshot.account);
  if (!epoch) {
    return Status::FailedPrecondition("account '" + snapshot.account +
                                      "' is not claimed by this keeper: its state is not saved");
  }
  SK_ASSIGN_OR_RETURN(bool saved, store_.SaveAccountFenced(snapshot, *epoch));
  if (saved) return Status::OK();
  claims_.FenceLost(snapshot.account, *epoch);
  return Status::Aborted("the claim on account '" + snapshot.account +
                         "' passed to another keeper: this keeper's token pair is dropped");
}

Result<std::vector<platform::RateBlock>> FencedAccountState::LoadRateBlocks(WallTime now) {
  return store_.LoadRateBlocks(now);
}

Status FencedAccountState::SaveRateBlock(const platform::RateBlock& block) {
  return store_.SaveRateBlock(block);
}

Result<Millis> FencedAccountState::SpendRequest(std::string_view account, platform::RateGroup group,
                                                int limit, Seconds window, WallTime now) {
  return store_.SpendRequest(account, group, limit, window, now);
}

}  // namespace subkeeper::app
