#include "subkeeper/platform/rest_client.h"

#include <nlohmann/json.hpp>

#include "redact.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/platform/errors.h"
#include "subkeeper/platform/token_manager.h"
#include "subkeeper/platform/url.h"

namespace subkeeper::platform {
namespace {

constexpr char kSubscriptionPath[] = "/restapi/v1.0/subscription";

bool Success(int status) { return status >= 200 && status <= 299; }

http::HttpRequest JsonRequest(std::string method, std::string url, std::string body) {
  http::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = std::move(body);
  if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  return request;
}

// expiresIn sits at the top level: inside deliveryMode the platform ignores it and silently
// grants the 7-day default (docs/platform.md §0.2).
std::string CreateBody(const CreateRequest& request) {
  nlohmann::json delivery = {{"transportType", "WebHook"}, {"address", request.address}};
  if (!request.verification_token.empty()) {
    delivery["verificationToken"] = request.verification_token.Reveal();
  }
  nlohmann::json body = {{"eventFilters", request.event_filters}, {"deliveryMode", delivery}};
  if (request.expires_in_s > 0) body["expiresIn"] = request.expires_in_s;
  return body.dump();
}

std::string UpdateBody(const UpdateRequest& request) {
  nlohmann::json body = {{"eventFilters", request.event_filters}};
  if (request.expires_in_s) body["expiresIn"] = *request.expires_in_s;
  return body.dump();
}

}  // namespace

RestClient::RestClient(ClientOptions options, std::map<std::string, AccountCredentials> accounts,
                       http::HttpTransport& transport, const Clock& clock, AccountStateStore* state)
    : options_(std::move(options)),
      transport_(transport),
      clock_(clock),
      limiter_(std::make_unique<RateLimiter>(clock, state)) {
  limiter_->Restore();
  tokens_ = std::make_unique<TokenManager>(options_, std::move(accounts), transport, clock,
                                           *limiter_, state);
}

std::vector<AccountStatus> RestClient::Accounts() const { return tokens_->Accounts(); }
std::optional<AccountStatus> RestClient::AccountOf(const std::string& name) const {
  return tokens_->AccountOf(name);
}
WallTime RestClient::KeepAlive() { return tokens_->KeepAlive(); }
void RestClient::Reload(const std::vector<std::string>& accounts) {
  tokens_->Reload(accounts);
  limiter_->Restore();
}

RestClient::~RestClient() = default;

std::vector<RateLimitSnapshot> RestClient::RateLimits() const { return limiter_->Snapshot(); }

Result<http::HttpResponse> RestClient::Call(const std::string& account, RateGroup group,
                                            http::HttpRequest request) {
  request.timeout = options_.timeout;
  request.headers.emplace_back("Accept", "application/json");
  if (!options_.user_agent.empty()) request.headers.emplace_back("User-Agent", options_.user_agent);
  // A 401 means the token died early (revoked session, too many sessions): one fresh token and
  // one retry; a second 401 is reported.
  for (int attempt = 0;; ++attempt) {
    // The token first: a failed token fetch (which has its own Auth admission) must not use up a
    // request of `group`.
    SK_ASSIGN_OR_RETURN(Secret token, tokens_->AccessToken(account));
    if (options_.gate != nullptr)
      SK_RETURN_IF_ERROR(options_.gate->Admit(account, request.timeout));
    SK_RETURN_IF_ERROR(limiter_->Admit(account, group));
    http::HttpRequest sent = request;
    sent.headers.emplace_back("Authorization", "Bearer " + token.Reveal());
    Result<http::HttpResponse> response = transport_.Send(sent);
    metrics::Current().PlatformCall(RateGroupName(group), response.ok() ? response->status : 0);
    if (!response.ok()) return Redact(response.status(), {&token});
    limiter_->Observe(account, group, *response);
    if (Success(response->status)) return response;
    if (response->status == 401 && attempt == 0) {
      tokens_->Invalidate(account, token);
      continue;
    }
    return MapHttpError(*response, {&token, &options_.client_secret});
  }
}

Result<RemoteSubscription> RestClient::Create(const std::string& account,
                                              const CreateRequest& request) {
  http::HttpRequest http =
      JsonRequest("POST", options_.server + kSubscriptionPath, CreateBody(request));
  SK_ASSIGN_OR_RETURN(http::HttpResponse response,
                      Call(account, RateGroup::kMedium, std::move(http)));
  return ParseSubscription(response.body);
}

Result<std::vector<RemoteSubscription>> RestClient::List(const std::string& account) {
  http::HttpRequest http = JsonRequest("GET", options_.server + kSubscriptionPath, "");
  SK_ASSIGN_OR_RETURN(http::HttpResponse response,
                      Call(account, RateGroup::kLight, std::move(http)));
  return ParseSubscriptionList(response.body);
}

Result<RemoteSubscription> RestClient::Get(const std::string& account, const std::string& id) {
  http::HttpRequest http = JsonRequest("GET", SubscriptionUrl(id), "");
  SK_ASSIGN_OR_RETURN(http::HttpResponse response,
                      Call(account, RateGroup::kLight, std::move(http)));
  return ParseSubscription(response.body);
}

Result<RemoteSubscription> RestClient::Update(const std::string& account, const std::string& id,
                                              const UpdateRequest& request) {
  http::HttpRequest http = JsonRequest("PUT", SubscriptionUrl(id), UpdateBody(request));
  SK_ASSIGN_OR_RETURN(http::HttpResponse response,
                      Call(account, RateGroup::kMedium, std::move(http)));
  return ParseSubscription(response.body);
}

// POST …/renew rather than an empty PUT: renew keeps the subscription's own lifetime, while an
// empty PUT is documented to reset it to the default (docs/platform.md §1.2).
Result<RemoteSubscription> RestClient::Renew(const std::string& account, const std::string& id) {
  http::HttpRequest http = JsonRequest("POST", SubscriptionUrl(id) + "/renew", "");
  SK_ASSIGN_OR_RETURN(http::HttpResponse response,
                      Call(account, RateGroup::kLight, std::move(http)));
  return ParseSubscription(response.body);
}

Status RestClient::Delete(const std::string& account, const std::string& id) {
  http::HttpRequest http = JsonRequest("DELETE", SubscriptionUrl(id), "");
  Result<http::HttpResponse> response = Call(account, RateGroup::kMedium, std::move(http));
  return response.status();
}

std::string RestClient::SubscriptionUrl(const std::string& id) const {
  return options_.server + kSubscriptionPath + "/" + UrlEncode(id);
}

}  // namespace subkeeper::platform
