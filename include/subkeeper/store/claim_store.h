// Claims on accounts, for several keepers sharing one database (docs/postgresql-store.md,
// "Claims and fencing"). While a keeper holds an account's claim it is the only one that may call
// the platform for that account; every write it makes under the claim is fenced by the claim's
// epoch, so a holder that lost the claim (paused, cut off, slow) changes nothing.
//
// The claim is a lease with a fencing token, the pattern of Kubernetes' Lease with
// leaseTransitions and of Temporal's shard range_id: the epoch increases with every new holder,
// and a write names the epoch it was made under, compared in the same transaction. A TTL alone
// is not mutual exclusion (a paused holder wakes up believing it still holds the lease); the
// epoch compare makes its late writes harmless.
//
// Every operation takes `now` from the caller, so tests move time without sleeping and all
// replicas compare against the same kind of clock (the wall clock; their skew must stay well
// under the TTL). Thread-safe; errors as Store's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"

namespace subkeeper::store {

// One account's claim as stored.
struct AccountClaim {
  std::string account;
  std::string owner;  // the holder's identity (KeeperEnv::lease_owner); "" when released
  int64_t epoch = 0;  // 1 for the first holder, +1 for every new holder; never reused
  WallTime until{};   // the claim lapses at this time unless extended
};

class ClaimStore {
 public:
  virtual ~ClaimStore() = default;

  // Claims `account` for `owner` until `until`, in one transaction:
  // - nobody holds it, or the holder's claim lapsed (until <= now): `owner` becomes the holder
  //   with the next epoch;
  // - `owner` holds it already and it has not lapsed: extended, the epoch unchanged;
  // - another owner holds a live claim: nullopt, nothing changes.
  // kInvalidArgument when `account` or `owner` is empty or `until` is not after `now`.
  virtual Result<std::optional<AccountClaim>> TryClaimAccount(std::string_view account,
                                                              std::string_view owner, WallTime now,
                                                              WallTime until) = 0;
  // Moves the end of the claim made with `epoch` to `until`, if that claim is still the
  // account's and has not lapsed at `now`. false when it was lost: nothing changes, and the
  // caller must stop acting for the account.
  virtual Result<bool> ExtendClaim(std::string_view account, int64_t epoch, WallTime now,
                                   WallTime until) = 0;
  // Gives back the claim made with `epoch` (it lapses at once; the epoch stays, so the next
  // holder's is higher). Nothing when it is no longer the account's.
  virtual Status ReleaseClaim(std::string_view account, int64_t epoch) = 0;
  // Every stored claim, lapsed or not, ordered by account.
  virtual Result<std::vector<AccountClaim>> ListClaims() = 0;

  // Saves the account's tokens and state (as AccountStateStore::SaveAccount) only if `epoch` is
  // still the account's claim epoch, checked in the same transaction: false, and nothing
  // written, when the claim passed to another holder. A refreshed token pair saved this way is
  // never overwritten by a stale holder's older pair.
  virtual Result<bool> SaveAccountFenced(const platform::AccountSnapshot& snapshot,
                                         int64_t epoch) = 0;
};

}  // namespace subkeeper::store
