// Pure token decisions of the TokenManager (docs/platform.md §6): when an access token is still
// fresh or valid, when a refresh token may be presented, when a JWT-less account must be kept
// alive, how long to wait after a rejected login, and how a token answer, a rejection or a saved
// record changes an account's state. No I/O, no clock reads, no locks: "now" is an argument and
// the state is passed in (TokenManager holds its account's mutex around every call).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"

namespace subkeeper::platform {

// Nominal lifetimes (docs/platform.md §6), for tokens whose real lifetime was not persisted or not
// given.
inline constexpr Seconds kNominalAccessLifetime{3600};
inline constexpr Seconds kNominalRefreshLifetime{604800};
// The first and the longest wait after a rejected login.
inline constexpr Seconds kFirstLoginBackoff{60};
inline constexpr Seconds kMaxLoginBackoff{3600};
// When a keep-alive refresh failed for a reason other than a rejection and gave no retry_after.
inline constexpr Seconds kKeepAliveRetry{60};

// One account's tokens and credential state.
struct TokenState {
  Secret access_token;  // empty when there is none
  WallTime access_issued{};
  WallTime access_expires{};
  Secret refresh_token;  // empty when there is none
  WallTime refresh_issued{};
  WallTime refresh_expires{};  // unset: unknown (a configured token not used yet)
  CredentialState state = CredentialState::kLoggedOut;
  int32_t auth_failures = 0;  // consecutive rejected logins
  WallTime next_login_at{};   // auth_failed: no login before this
  std::string last_error;     // why the last login failed; never a secret
};

// A successful answer of the token endpoint.
struct TokenGrant {
  Secret access_token;
  Seconds expires_in{0};
  Secret refresh_token;  // empty when the answer carried none
  std::optional<Seconds> refresh_expires_in;
  bool by_refresh = false;  // answered a refresh-token grant (rather than a JWT login)
};

// True when the access token is non-empty and at least max(60 s, 10% of its lifetime), capped at
// half its lifetime, remains before access_expires. The cap keeps a short-lived token from being
// refreshed on every call.
bool HasFreshToken(const TokenState& s, WallTime now);

// True when the access token is non-empty and now < access_expires (usable, even if not fresh).
bool HasValidToken(const TokenState& s, WallTime now);

// True when there is a refresh token and its expiry is unknown (unset) or still ahead.
bool RefreshUsable(const TokenState& s, WallTime now);

// True when Obtain should present the refresh token before (or instead of) the JWT: with a JWT,
// only when RefreshUsable; without one, whenever there is a refresh token at all, even one that
// looks expired (the platform decides, and it is all the account has).
bool ShouldPresentRefresh(const TokenState& s, bool has_jwt, WallTime now);

// True while the account is auth_failed and its next login attempt (next_login_at) is still ahead:
// nothing may be sent for it.
bool LoginDeferred(const TokenState& s, WallTime now);

// When a JWT-less account must next be refreshed: next_login_at when auth_failed; WallTime::max()
// without a refresh token; WallTime() (at once) when the refresh token's expiry is unknown;
// otherwise when three quarters of the refresh token's lifetime have passed.
WallTime KeepAliveDue(const TokenState& s);

// When KeepAlive runs again after a failed attempt at `now` for which KeepAliveDue gave `due`:
// `due` when still ahead, else now + the error's retry_after (kKeepAliveRetry without one).
WallTime KeepAliveRetryAt(WallTime due, WallTime now, const Status& error);

// The wait after the n-th consecutive rejection (n ≥ 1): 60 s, 120 s, 240 s, … capped at 1 h.
// n ≤ 1 gives 60 s; never overflows for a large n.
Seconds LoginBackoff(int32_t failures);

// The time from `now` to `at` in whole seconds, rounded up and at least 1 s, so that a caller
// waiting that long never arrives early.
Seconds WaitSeconds(WallTime at, WallTime now);

// True when a token-endpoint error rejects the credential presented: HTTP 400 or 401.
bool RejectsCredential(const Status& error);

// Records a successful answer to a request sent at `issued` (so a lifetime is never
// overestimated): the access token and its expiry; the refresh token when the answer carried one
// (expiry from refresh_expires_in, or the nominal 7 days). A JWT login without a refresh token
// clears it (the app issues none); a refresh answer without a successor keeps the current one.
// The account becomes ready with no failures, no next login and no last error.
void ApplyGrant(TokenState& s, TokenGrant grant, WallTime issued);

// Records a rejected login at `now`: auth_failed, one more failure, next_login_at = now +
// LoginBackoff(failures), last_error = `error`. Returns the backoff.
Seconds RecordRejection(TokenState& s, std::string error, WallTime now);

// Loads a saved record. Lifetimes are not persisted: each restored token is given an issue time
// of min(now, expiry - nominal lifetime), so it is taken to have lived at least the nominal 1 h
// (access) or 7 days (refresh), which errs towards refreshing early. An unset refresh expiry
// stays unknown (issue time unset).
void RestoreTokens(TokenState& s, const AccountSnapshot& record, WallTime now);

// What is persisted for the account: expiries are unset for missing tokens.
AccountSnapshot SnapshotOf(const TokenState& s, const std::string& account,
                           const std::string& fingerprint);

// What status pages show: state kLoggedOut when never logged in; expiries unset for missing
// tokens; next_login_at only while auth_failed. No secret.
AccountStatus StatusOf(const TokenState& s, const std::string& account);

}  // namespace subkeeper::platform
