// One shared OAuth access token per account (docs/platform.md §6).
//
// Tokens, the credential state and the time of the next allowed login are kept in the injected
// AccountStateStore (when given): a restarted keeper reuses them instead of logging in again, and
// remembers a rejected credential. Records whose credential_fingerprint differs from the
// configured credential's are ignored (the operator changed it). Wall time (clock.Now()) is used
// for everything persisted. Lifetimes are not persisted: a restored token is taken to have lived
// at least the nominal 1 h (access) or 7 days (refresh), which errs towards refreshing early.
//
// A credential the platform rejects (400/401 from the token endpoint, for the JWT or for a
// refresh token when there is no JWT) puts the account in "auth_failed": AccessToken() then
// answers kUnauthenticated with retry_after() = the time to the next login attempt and sends
// nothing until then. Attempts are spaced 60 s, 120 s, … doubling up to 1 h (and always go
// through the Auth group's budget); a success returns the account to "ready". Network errors and
// 5xx from the token endpoint are not rejections: they leave the state alone.
//
// The first call for an account logs in with the JWT bearer grant. The token is reused until less
// than max(60 s, 10% of its lifetime) remains (capped at half the lifetime, so a short-lived token
// is not refreshed on every call); it is then refreshed with the refresh-token grant when a
// refresh token exists and has not expired, otherwise with the JWT again. A refresh grant
// rejected with 400/401 (refresh tokens are single-use) falls back to the JWT once. If a
// proactive refresh fails while the current token is still valid, the current token is returned.
//
// A configured refresh token is tried first (with a JWT as the fallback, when there is one); each
// successor the platform issues replaces it. Accounts with only a refresh token (no JWT) lose
// access when it expires, so KeepAlive() refreshes them once less than a quarter of the refresh
// token's lifetime remains (at once for a configured token, whose expiry is unknown); a rejected
// one is kept and presented again at each login attempt, as it is all the account has. Accounts
// with a JWT are never refreshed ahead of need (a login per renewal would waste the Auth budget).
// A refresh answer without a successor keeps the current refresh token.
//
// Every token request goes to POST {server}/restapi/oauth/token through the RateLimiter's Auth
// group, with Basic client authentication.
//
// With options.gate, every token request asks it first (several keepers on one database: only
// the holder of the account's claim refreshes, so two keepers never spend one single-use refresh
// token), and KeepAlive leaves the accounts it does not admit to their holder.
//
// Thread-safe. One refresh at a time per account: a per-account mutex is held across the token
// request, so concurrent callers wait and then reuse its result. Accounts do not block each other,
// and Accounts() never waits for a token request. Time comes from the injected Clock (Now). No
// secret (client secret, JWT, tokens) ever appears in a returned Status or a log line.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/rate_limiter.h"
#include "subkeeper/platform/rest_client.h"

namespace subkeeper::platform {

class TokenManager {
 public:
  // `transport`, `clock`, `limiter` and `state` (when given) must outlive the manager. Only
  // options.server, client_id, client_secret and timeout are used. Loads every account's
  // persisted record from `state` here.
  TokenManager(ClientOptions options, std::map<std::string, AccountCredentials> accounts,
               http::HttpTransport& transport, const Clock& clock, RateLimiter& limiter,
               AccountStateStore* state = nullptr);
  ~TokenManager();
  TokenManager(const TokenManager&) = delete;
  TokenManager& operator=(const TokenManager&) = delete;

  // A usable access token for `account`. Errors: kNotFound for an unknown account;
  // kUnauthenticated naming the account when the platform rejects its credentials, or while it
  // is "auth_failed" and its next login attempt is not due (both with retry_after() = the time
  // to the next attempt; nothing is sent while it is not due, and an access token obtained before
  // the rejection is still returned until it expires);
  // kResourceExhausted when the Auth group is rate limited (nothing sent); kUnavailable /
  // kDeadlineExceeded when the token endpoint cannot be reached; kInternal for a malformed answer.
  Result<Secret> AccessToken(const std::string& account);

  // Drops `token` (an access token the API answered 401 to) so the next AccessToken() refreshes,
  // but only if it is still the account's current token: a token another caller already replaced
  // stays replaced. Unknown accounts are ignored.
  void Invalidate(const std::string& account, const Secret& token);

  // Refreshes, with the refresh grant, every account without a JWT whose refresh token has less
  // than a quarter of its lifetime left, or which is "auth_failed" with its next login attempt
  // due. Returns when it next needs to run (WallTime::max() when no account needs it; 60 s or the
  // Auth group's retry_after from now after a failure that is not a rejection). Errors are
  // recorded in the account's state and logged, not returned.
  WallTime KeepAlive();

  // Reads the saved state of `accounts` again and replaces what is in memory with it (when the
  // store has a record for the account and its credential is still the configured one): another
  // keeper may have refreshed the tokens while it held the account. Waits for a token request
  // of the account in flight.
  void Reload(const std::vector<std::string>& accounts);

  // One entry per configured account, ordered by name.
  std::vector<AccountStatus> Accounts() const;
  // One account's state (nullopt when it is not configured). Thread-safe.
  std::optional<AccountStatus> AccountOf(const std::string& name) const;

 private:
  struct Account;
  struct Grant;

  // The saved state of every account, by name (empty without a state store or on error).
  std::map<std::string, AccountSnapshot, std::less<>> LoadSaved();
  void Restore(Account& account, const AccountSnapshot& saved, WallTime now);
  Result<Secret> Acquire(Account& account, WallTime now);
  Result<Grant> Obtain(Account& account, WallTime now);
  Result<Grant> RequestToken(Account& account, const std::string& form);
  static Result<Grant> ParseGrant(const std::string& body);
  void Publish(Account& account);

  ClientOptions options_;
  http::HttpTransport& transport_;
  const Clock& clock_;
  RateLimiter& limiter_;
  AccountStateStore* state_;  // may be null
  // Built in the constructor and never changed after, so lookups need no lock; each Account
  // guards its own state.
  std::map<std::string, std::unique_ptr<Account>> accounts_;
};

}  // namespace subkeeper::platform
