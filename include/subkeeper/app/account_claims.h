// This keeper's claims on accounts, when several keepers share one database (docs/replicas.md).
// While a keeper holds an account's claim it is the only one that calls the platform for the
// account — token refreshes, renewals, creates, the reconcile's list — and the only one that
// relays the account's events; its token writes are fenced by the claim's epoch
// (store::ClaimStore). The store half (leases with a fencing epoch) is in claim_store.h; this is
// the keeper's half:
//
// - Maintain() runs on its own thread (the daemon's claims thread; tests call it by hand). It
//   extends every held claim a third of the TTL after it was last taken or extended, tries to
//   take the wanted accounts it does not hold every poll interval, and gives back the ones no
//   longer wanted. It reports the accounts gained and lost, so the keeper reloads the gained
//   ones' state from the store and drops the lost ones' work.
// - The trust window, as river's leader elector keeps it: a claim taken or extended by a store
//   call that started at steady time t is trusted until t + TTL − margin. The start of the call,
//   not its end, so a slow answer never extends trust. Admit() (platform::CallGate) lets a call
//   through only when it ends, at the latest, inside the window; Holds() answers for the relay
//   and the scheduler. A keeper paused past its window (SIGSTOP, a long GC-like stall) resumes
//   with nothing trusted and sends nothing before the store says it still holds the claim.
//
// Thread-safe. Time comes from the injected clock: wall time for the store's until, steady time
// for the trust window.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/call_gate.h"
#include "subkeeper/store/claim_store.h"
#include "subkeeper/store/store.h"

namespace subkeeper::app {

struct ClaimOptions {
  // How long a claim lasts unless extended (store.claim_ttl_s). Failover after a holder dies
  // takes at most ttl + poll.
  Millis ttl{30000};
  // Extended this long after it was taken or last extended: ttl / 3 leaves two more tries before
  // it lapses.
  Millis extend_after() const { return ttl / 3; }
  // Trust ends this long before the claim's stored end: room for clock skew between keepers
  // and for the store call itself.
  Millis margin() const { return ttl / 15; }
  // How often accounts held by others (or lapsed) are tried.
  Millis poll() const { return ttl / 15; }
};

// One held claim, as status pages show it.
struct HeldClaim {
  std::string account;
  int64_t epoch = 0;
  WallTime until{};  // as stored
  bool trusted = false;
};

// Counters since start, for metrics.
struct ClaimCounters {
  int64_t gained = 0;      // claims taken (a first start or a failover)
  int64_t lost = 0;        // claims found taken by another keeper or lapsed
  int64_t released = 0;    // claims given back (account removed, shutdown)
  int64_t fence_lost = 0;  // fenced writes refused because the claim had passed on
};

class AccountClaims final : public platform::CallGate {
 public:
  // `store` and `clock` must outlive the claims. `owner` is this keeper's identity
  // (KeeperEnv::lease_owner).
  AccountClaims(store::ClaimStore& store, const Clock& clock, std::string owner,
                ClaimOptions options);

  struct Changes {
    std::vector<std::string> gained;
    std::vector<std::string> lost;
  };
  // One pass at the clock's now over `wanted` (the configured accounts). Store errors leave a
  // claim as it was (its trust runs out on its own) and are retried at the next poll. Returns
  // the accounts gained and lost in this pass, each in order.
  Changes Maintain(const std::set<std::string>& wanted);
  // When Maintain next has something to do.
  SteadyTime NextDue() const;
  // Gives back every held claim (shutdown): another keeper takes them at its next poll rather
  // than after the TTL.
  void ReleaseAll();

  // Whether this keeper holds `account` and its claim is trusted now.
  bool Holds(std::string_view account) const;
  // The epoch of the held claim on `account` (trusted or not); nullopt when not held.
  std::optional<int64_t> Epoch(std::string_view account) const;
  // A fenced write under `epoch` was refused: the claim passed on. Dropped at once (if it is
  // still the held one) and reported as lost by the next Maintain.
  void FenceLost(std::string_view account, int64_t epoch);

  std::vector<HeldClaim> Held() const;
  ClaimCounters counters() const;
  const std::string& owner() const { return owner_; }
  Millis poll() const { return options_.poll(); }

  // platform::CallGate
  Status Admit(std::string_view account, std::chrono::milliseconds timeout) override;

 private:
  struct Claim {
    int64_t epoch = 0;
    WallTime until{};
    SteadyTime trusted_until{};
    SteadyTime extend_at{};
  };
  // Takes or extends `account` for a call started at `started`; updates claims_ and `changes`.
  void Take(const std::string& account, WallTime now, SteadyTime started, Changes& changes);
  // Returns false when the claim was lost (then the caller may try to take it again), true
  // otherwise (extended, or left as it was on a store error or a concurrent fence loss).
  bool Extend(const std::string& account, const Claim& held, WallTime now, SteadyTime started,
              Changes& changes);

  store::ClaimStore& store_;
  const Clock& clock_;
  const std::string owner_;
  const ClaimOptions options_;

  mutable Mutex mu_;
  std::map<std::string, Claim, std::less<>> claims_ GUARDED_BY(mu_);
  // Accounts dropped by FenceLost, reported by the next Maintain.
  std::vector<std::string> fenced_out_ GUARDED_BY(mu_);
  // Accounts not held: when to try them next.
  std::map<std::string, SteadyTime, std::less<>> retry_at_ GUARDED_BY(mu_);
  ClaimCounters counters_ GUARDED_BY(mu_);
};

// The platform client's state store when claims are in force: reads pass through to `store`;
// an account's tokens are saved only under this keeper's claim on it, fenced by the claim's
// epoch (store::ClaimStore::SaveAccountFenced). A refused save drops the claim
// (AccountClaims::FenceLost): the token pair it carried is lost, and the account's next holder
// logs in again with the JWT.
class FencedAccountState final : public platform::AccountStateStore {
 public:
  // Both must outlive it.
  FencedAccountState(store::Store& store, AccountClaims& claims);

  Result<std::vector<platform::AccountSnapshot>> LoadAccounts() override;
  // kFailedPrecondition when this keeper does not hold the account, kAborted when the claim
  // passed on; nothing is written in either case.
  Status SaveAccount(const platform::AccountSnapshot& snapshot) override;
  Result<std::vector<platform::RateBlock>> LoadRateBlocks(WallTime now) override;
  Status SaveRateBlock(const platform::RateBlock& block) override;
  Result<Millis> SpendRequest(std::string_view account, platform::RateGroup group, int limit,
                              Seconds window, WallTime now) override;

 private:
  store::Store& store_;
  AccountClaims& claims_;
};

}  // namespace subkeeper::app
