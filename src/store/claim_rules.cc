#include "claim_rules.h"

#include <string>

namespace subkeeper::store {

Status CheckClaimRequest(std::string_view account, std::string_view owner, WallTime now,
                         WallTime until) {
  if (account.empty() || owner.empty()) {
    return Status::InvalidArgument("store: a claim needs an account and an owner, got '" +
                                   std::string(account) + "' by '" + std::string(owner) + "'");
  }
  if (until <= now) {
    return Status::InvalidArgument("store: a claim on account " + std::string(account) +
                                   " must end after now");
  }
  return Status::OK();
}

std::optional<AccountClaim> NextClaim(const AccountClaim& current, std::string_view owner,
                                      WallTime now, WallTime until) {
  const bool live = !current.owner.empty() && current.until > now;
  AccountClaim next = current;
  next.until = until;
  if (live && current.owner == owner) return next;  // an extension: same holder, same epoch
  if (live) return std::nullopt;                    // another holder's
  next.owner = std::string(owner);
  next.epoch = current.epoch + 1;  // a new holder, even the same owner after a lapse
  return next;
}

}  // namespace subkeeper::store
