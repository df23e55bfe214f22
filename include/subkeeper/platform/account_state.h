// Where the platform client keeps what must survive a restart: each account's tokens and
// credential state, and the rate-limit penalties in force. The platform module owns these values
// and this interface; the store implements it (store::Store derives from it), tests use an
// in-memory map. Implementations are thread-safe. Errors are the store's (store/store.h):
// kUnavailable to retry later, kDataLoss, kInvalidArgument for an empty key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

// Where an account's credential stands. Typed in memory; the text is written only where it leaves
// the process (the store's state column, the status view, metrics labels).
enum class CredentialState {
  kLoggedOut,   // never logged in (or the configured credential changed): no token yet
  kReady,       // the last login or refresh was accepted
  kAuthFailed,  // the platform rejected the credential; no login before next_login_at
};

// "logged_out", "ready", "auth_failed": what status pages and metrics show.
std::string_view CredentialStateText(CredentialState state);
// The inverse of CredentialStateText; nullopt for any other text.
std::optional<CredentialState> ParseCredentialState(std::string_view text);

// What the keeper knows about one account's credentials, persisted so that a restart neither
// logs in again (the Auth budget is 5 a minute) nor forgets that the credential was rejected.
// The tokens are secrets: stored only by the store (a SQLite file has mode 0600), never logged
// or shown.
struct AccountSnapshot {
  std::string account;
  // Fingerprint (see CredentialFingerprint) of the configured credential these tokens were
  // obtained with; a different credential in the config discards them and the state.
  std::string credential_fingerprint;
  Secret access_token;            // empty when none
  WallTime access_expires_at{};   // unset when none
  Secret refresh_token;           // empty when none (or the app does not issue them)
  WallTime refresh_expires_at{};  // unset when none
  CredentialState state = CredentialState::kLoggedOut;
  int32_t auth_failures = 0;  // consecutive rejected logins; 0 after a success
  WallTime next_login_at{};   // auth_failed: no login is attempted before this
  std::string last_error;     // why the last login failed; never a secret
  WallTime updated_at{};      // set by the store on every write
};

// A rate-limit penalty (or exhausted window) in force: no request of `group` is sent for
// `account` before `until`. Persisted so that a restarted keeper does not walk into a penalty
// the platform restarts on every request.
struct RateBlock {
  std::string account;
  RateGroup group = RateGroup::kLight;
  WallTime until{};
  bool operator==(const RateBlock&) const = default;
};

// What status pages and metrics show about one account. No secret.
struct AccountStatus {
  std::string account;
  CredentialState state = CredentialState::kLoggedOut;
  WallTime access_expires_at{};   // unset when there is no access token
  WallTime refresh_expires_at{};  // unset when there is no refresh token
  int32_t auth_failures = 0;      // consecutive rejected logins
  WallTime next_login_at{};       // auth_failed: the next login attempt
  std::string last_error;         // why the last login failed; "" when it did not
};

class AccountStateStore {
 public:
  virtual ~AccountStateStore() = default;
  // Every saved account at once, ordered by account: one read at start-up instead of one per
  // configured account.
  virtual Result<std::vector<AccountSnapshot>> LoadAccounts() = 0;
  // Inserts or replaces the account's snapshot (updated_at set by the store). kInvalidArgument
  // when `snapshot.account` is empty.
  virtual Status SaveAccount(const AccountSnapshot& snapshot) = 0;
  // Blocks with until > now, ordered by account, group.
  virtual Result<std::vector<RateBlock>> LoadRateBlocks(WallTime now) = 0;
  // Inserts or replaces the block of (account, group); kInvalidArgument when either is empty.
  // Blocks whose `until` has passed may be dropped by the store at any time.
  virtual Status SaveRateBlock(const RateBlock& block) = 0;
  // Records one request of `group` for `account` at `now` in the budget every keeper sharing
  // the store spends from, before it is sent: spent (returns 0) when fewer than `limit` were
  // recorded in the `window` before `now`; otherwise nothing is recorded and the answer is how
  // long until one may be. Recorded before sending, so a crash can only over-count. A store
  // only one keeper uses shares nothing and spends everything (this default): the keeper's own
  // RateLimiter counts for it.
  virtual Result<Millis> SpendRequest(std::string_view /*account*/, RateGroup /*group*/,
                                      int /*limit*/, Seconds /*window*/, WallTime /*now*/) {
    return Millis(0);
  }
};

// A one-way fingerprint of an account's configured credential (JWT and/or initial refresh
// token): 16 hex digits of SHA-256 over a domain tag and both values. Stored next to the tokens
// so that a changed credential in the config discards them. Never reveals the credential.
std::string CredentialFingerprint(const Secret& jwt, const Secret& refresh_token);

}  // namespace subkeeper::platform
