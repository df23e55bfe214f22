// The production SubscriptionApi: HTTP calls through an injected http::HttpTransport, one shared
// access token per account (TokenManager), per-account per-group budgets (RateLimiter).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/http/http.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/platform/call_gate.h"
#include "subkeeper/platform/rate_limiter.h"

namespace subkeeper::platform {

struct ClientOptions {
  std::string server;  // base URL, no trailing slash, e.g. "https://platform.ringcentral.com"
  std::string client_id;
  Secret client_secret;
  std::chrono::milliseconds timeout{10000};  // per call
  // Sent as User-Agent with every call, token requests included ("" = none).
  std::string user_agent;
  // Asked before every call, token requests included (null: every call may go). Must outlive
  // the client.
  CallGate* gate = nullptr;
};

// At least one of the two. With a JWT, logins use the JWT bearer grant and refresh tokens are
// an optimisation; with only a refresh token, that token (and each single-use successor) is all
// the keeper has, so it is refreshed before it expires (TokenManager::KeepAlive).
struct AccountCredentials {
  Secret jwt;            // JWT bearer assertion
  Secret refresh_token;  // a refresh token to start from
};

class TokenManager;

class RestClient final : public SubscriptionApi {
 public:
  // `transport`, `clock` and `state` (when given) must outlive the client. With `state`, tokens,
  // credential state and rate-limit penalties are loaded from it and saved to it.
  RestClient(ClientOptions options, std::map<std::string, AccountCredentials> accounts,
             http::HttpTransport& transport, const Clock& clock,
             AccountStateStore* state = nullptr);
  ~RestClient() override;

  Result<RemoteSubscription> Create(const std::string& account,
                                    const CreateRequest& request) override;
  Result<std::vector<RemoteSubscription>> List(const std::string& account) override;
  Result<RemoteSubscription> Get(const std::string& account, const std::string& id) override;
  Result<RemoteSubscription> Update(const std::string& account, const std::string& id,
                                    const UpdateRequest& request) override;
  Result<RemoteSubscription> Renew(const std::string& account, const std::string& id) override;
  Status Delete(const std::string& account, const std::string& id) override;

  // The current per-account, per-group budgets, for metrics. Thread-safe.
  std::vector<RateLimitSnapshot> RateLimits() const;
  // Credential state of every configured account, for status and metrics. Thread-safe.
  std::vector<AccountStatus> Accounts() const;
  // One account's credential state (nullopt when not configured). Thread-safe.
  std::optional<AccountStatus> AccountOf(const std::string& name) const;
  // See TokenManager::KeepAlive.
  WallTime KeepAlive();
  // This keeper has just become the one calling the platform for `accounts` (it took their
  // claims): their tokens and credential state are read again from the state store, where the
  // previous holder left them, and the persisted rate-limit penalties are applied again. One
  // read of the store for all of them. Thread-safe.
  void Reload(const std::vector<std::string>& accounts);

 private:
  // Sends one authenticated call in `group`: obtains the token, then admits the call through the
  // rate limiter, refreshes once on 401, records X-Rate-Limit-* headers and 429 penalties.
  // Non-2xx answers come back mapped by MapHttpError.
  Result<http::HttpResponse> Call(const std::string& account, RateGroup group,
                                  http::HttpRequest request);
  // {server}/restapi/v1.0/subscription/{url-encoded id}
  std::string SubscriptionUrl(const std::string& id) const;

  ClientOptions options_;
  http::HttpTransport& transport_;
  const Clock& clock_;
  std::unique_ptr<TokenManager> tokens_;
  std::unique_ptr<RateLimiter> limiter_;
};

}  // namespace subkeeper::platform
