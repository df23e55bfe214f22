// One shared OAuth access token per account (reference §6).
//
// The first call for an account logs in with the JWT bearer grant. The token is reused until less
// than max(60 s, 10% of its lifetime) remains (capped at half the lifetime, so a short-lived token
// is not refreshed on every call); it is then refreshed with the refresh-token grant when a
// refresh token exists and has not expired, otherwise with the JWT again. A refresh grant
// rejected with 400/401 (refresh tokens are single-use) falls back to the JWT once. If a
// proactive refresh fails while the current token is still valid, the current token is returned.
//
// Every token request goes to POST {server}/restapi/oauth/token through the RateLimiter's Auth
// group, with Basic client authentication.
//
// Thread-safe. One refresh at a time per account: a per-account mutex is held across the token
// request, so concurrent callers wait and then reuse its result. Accounts do not block each other.
// Time comes from the injected Clock (SteadyNow). No secret (client secret, JWT, tokens) ever
// appears in a returned Status.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/http.h"
#include "subkeeper/platform/rate_limiter.h"
#include "subkeeper/platform/rest_client.h"

namespace subkeeper::platform {

class TokenManager {
 public:
  // `transport`, `clock` and `limiter` must outlive the manager. Only options.server,
  // client_id, client_secret and timeout are used.
  TokenManager(ClientOptions options, std::map<std::string, AccountCredentials> accounts,
               HttpTransport& transport, const Clock& clock, RateLimiter& limiter);
  ~TokenManager();
  TokenManager(const TokenManager&) = delete;
  TokenManager& operator=(const TokenManager&) = delete;

  // A usable access token for `account`. Errors: kNotFound for an unknown account;
  // kUnauthenticated naming the account when the platform rejects its credentials;
  // kResourceExhausted when the Auth group is rate limited (nothing sent); kUnavailable /
  // kDeadlineExceeded when the token endpoint cannot be reached; kInternal for a malformed answer.
  Result<Secret> AccessToken(const std::string& account);

  // Drops `token` (an access token the API answered 401 to) so the next AccessToken() refreshes,
  // but only if it is still the account's current token: a token another caller already replaced
  // stays replaced. Unknown accounts are ignored.
  void Invalidate(const std::string& account, const Secret& token);

 private:
  struct Account;
  struct Grant;

  Result<Grant> Obtain(Account& account);
  Result<Grant> RequestToken(Account& account, const std::string& form);
  static Result<Grant> ParseGrant(const std::string& body);

  ClientOptions options_;
  HttpTransport& transport_;
  const Clock& clock_;
  RateLimiter& limiter_;
  // Built in the constructor and never changed after, so lookups need no lock; each Account
  // guards its own state.
  std::map<std::string, std::unique_ptr<Account>> accounts_;
};

}  // namespace subkeeper::platform
