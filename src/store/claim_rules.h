// The decisions of ClaimStore (subkeeper/store/claim_store.h) on values, shared by both stores so
// that they can differ only in how they read and write the row. Internal to src/store.
#pragma once

#include <optional>
#include <string_view>

#include "subkeeper/store/claim_store.h"

namespace subkeeper::store {

// kInvalidArgument unless `account` and `owner` are set and `until` is after `now`.
Status CheckClaimRequest(std::string_view account, std::string_view owner, WallTime now,
                         WallTime until);

// The claim `owner` gets when the account's stored claim is `current` (epoch 0 and no owner for
// an account never claimed), or nullopt when another owner's claim is live at `now`.
std::optional<AccountClaim> NextClaim(const AccountClaim& current, std::string_view owner,
                                      WallTime now, WallTime until);

// Whether the claim made with `epoch` is still the account's and live at `now`.
inline bool ClaimLive(const AccountClaim& current, int64_t epoch, WallTime now) {
  return current.epoch == epoch && !current.owner.empty() && current.until > now;
}

}  // namespace subkeeper::store
