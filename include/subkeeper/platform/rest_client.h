// The production SubscriptionApi: HTTP calls through an injected HttpTransport, one shared
// access token per account (TokenManager), per-account per-group budgets (RateLimiter).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/platform/http.h"
#include "subkeeper/platform/rate_limiter.h"

namespace subkeeper::platform {

struct ClientOptions {
  std::string server;  // base URL, no trailing slash, e.g. "https://platform.ringcentral.com"
  std::string client_id;
  Secret client_secret;
  std::chrono::milliseconds timeout{10000};  // per call
};

struct AccountCredentials {
  Secret jwt;  // JWT bearer assertion
};

class TokenManager;

class RestClient final : public SubscriptionApi {
 public:
  // `transport` and `clock` must outlive the client.
  RestClient(ClientOptions options, std::map<std::string, AccountCredentials> accounts,
             HttpTransport& transport, const Clock& clock);
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

 private:
  // Sends one authenticated call in `group`: admits it through the rate limiter, attaches the
  // token, refreshes once on 401, records X-Rate-Limit-* headers and 429 penalties.
  // Non-2xx answers come back mapped by MapHttpError.
  Result<HttpResponse> Call(const std::string& account, RateGroup group, HttpRequest request);
  // {server}/restapi/v1.0/subscription/{url-encoded id}
  std::string SubscriptionUrl(const std::string& id) const;

  ClientOptions options_;
  HttpTransport& transport_;
  const Clock& clock_;
  std::unique_ptr<TokenManager> tokens_;
  std::unique_ptr<RateLimiter> limiter_;
};

}  // namespace subkeeper::platform
