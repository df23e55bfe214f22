#include "subkeeper/platform/token_manager.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "redact.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/platform/errors.h"
#include "subkeeper/platform/url.h"

namespace subkeeper::platform {

struct TokenManager::Account {
  std::string name;
  Secret jwt;
  std::mutex mu;        // held across a token request: one refresh at a time
  Secret access_token;  // guarded by mu; empty when there is none
  SteadyTime issued{};  // guarded by mu
  SteadyTime expires{};
  Secret refresh_token;  // guarded by mu; empty when there is none
  SteadyTime refresh_expires{};
};

struct TokenManager::Grant {
  Secret access_token;
  Seconds expires_in{0};
  Secret refresh_token;
  std::optional<Seconds> refresh_expires_in;
};

namespace {

constexpr char kJwtGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

bool Fresh(const Secret& token, SteadyTime issued, SteadyTime expires, SteadyTime now) {
  if (token.empty()) return false;
  const auto lifetime = expires - issued;
  const auto margin = std::min<SteadyTime::duration>(
      std::max<SteadyTime::duration>(Seconds(60), lifetime / 10), lifetime / 2);
  return expires - now >= margin;
}

bool Rejected(const Status& status) {
  return status.http_status() == 400 || status.http_status() == 401;
}

Result<int64_t> PositiveInt(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return Status::Internal(std::string("token answer: field '") + name + "' missing or invalid");
  }
  return it->get<int64_t>();
}

}  // namespace

TokenManager::TokenManager(ClientOptions options,
                           std::map<std::string, AccountCredentials> accounts,
                           HttpTransport& transport, const Clock& clock, RateLimiter& limiter,
                           AccountStateStore* /*state*/)
    : options_(std::move(options)), transport_(transport), clock_(clock), limiter_(limiter) {
  for (auto& [name, credentials] : accounts) {
    auto account = std::make_unique<Account>();
    account->name = name;
    account->jwt = std::move(credentials.jwt);
    accounts_.emplace(name, std::move(account));
  }
}

TokenManager::~TokenManager() = default;

Result<Secret> TokenManager::AccessToken(const std::string& account_name) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return Status::NotFound("unknown account '" + account_name + "'");
  Account& account = *it->second;
  std::lock_guard lock(account.mu);
  const SteadyTime now = clock_.SteadyNow();
  if (Fresh(account.access_token, account.issued, account.expires, now)) {
    return account.access_token;
  }
  Result<Grant> grant = Obtain(account);
  if (!grant.ok()) {
    // A proactive refresh that failed is not fatal while the old token still works.
    if (!account.access_token.empty() && now < account.expires) return account.access_token;
    return grant.status();
  }
  // The issue time is when the request left, so the lifetime is never overestimated.
  account.access_token = std::move(grant->access_token);
  account.issued = now;
  account.expires = now + grant->expires_in;
  account.refresh_token = std::move(grant->refresh_token);
  account.refresh_expires =
      grant->refresh_expires_in ? now + *grant->refresh_expires_in : SteadyTime::max();
  return account.access_token;
}

// TEMPORARY (being implemented).
WallTime TokenManager::KeepAlive() { return WallTime::max(); }
std::vector<AccountStatus> TokenManager::Accounts() const { return {}; }

void TokenManager::Invalidate(const std::string& account_name, const Secret& token) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return;
  Account& account = *it->second;
  std::lock_guard lock(account.mu);
  if (!token.empty() && account.access_token == token) account.access_token = Secret();
}

// REQUIRES: account.mu held.
Result<TokenManager::Grant> TokenManager::Obtain(Account& account) {
  const SteadyTime now = clock_.SteadyNow();
  if (!account.refresh_token.empty() && now < account.refresh_expires) {
    Result<Grant> refreshed = RequestToken(account, "grant_type=refresh_token&refresh_token=" +
                                                        UrlEncode(account.refresh_token.Reveal()));
    if (refreshed.ok() || !Rejected(refreshed.status())) return refreshed;
    // Refresh tokens are single-use and expire server-side: a rejected one is gone for good.
    account.refresh_token = Secret();
  }
  Result<Grant> login = RequestToken(account, std::string("grant_type=") + UrlEncode(kJwtGrant) +
                                                  "&assertion=" + UrlEncode(account.jwt.Reveal()));
  if (!login.ok() && Rejected(login.status())) {
    Status rejected = Status::Unauthenticated("the platform rejected the credentials of account '" +
                                              account.name + "': " + login.status().message());
    rejected.WithHttp(login.status().http_status(), login.status().api_code());
    return rejected;
  }
  return login;
}

Result<TokenManager::Grant> TokenManager::ParseGrant(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::Internal("token answer is not a JSON object");
  auto token = doc.find("access_token");
  if (token == doc.end() || !token->is_string() || token->get<std::string>().empty()) {
    return Status::Internal("token answer: field 'access_token' missing or invalid");
  }
  Grant grant;
  grant.access_token = Secret(token->get<std::string>());
  SK_ASSIGN_OR_RETURN(int64_t expires_in, PositiveInt(doc, "expires_in"));
  grant.expires_in = Seconds(expires_in);
  auto refresh = doc.find("refresh_token");
  if (refresh != doc.end() && refresh->is_string()) grant.refresh_token = Secret(*refresh);
  if (doc.contains("refresh_token_expires_in")) {
    SK_ASSIGN_OR_RETURN(int64_t refresh_in, PositiveInt(doc, "refresh_token_expires_in"));
    grant.refresh_expires_in = Seconds(refresh_in);
  }
  return grant;
}

// REQUIRES: account.mu held.
Result<TokenManager::Grant> TokenManager::RequestToken(Account& account, const std::string& form) {
  SK_RETURN_IF_ERROR(limiter_.Admit(account.name, RateGroup::kAuth));
  HttpRequest request;
  request.method = "POST";
  request.url = options_.server + "/restapi/oauth/token";
  request.timeout = options_.timeout;
  request.body = form;
  const std::string basic =
      Base64Encode(options_.client_id + ":" + options_.client_secret.Reveal());
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"},
                     {"Authorization", "Basic " + basic}};
  Result<HttpResponse> response = transport_.Send(request);
  const Secret basic_secret(basic);
  const std::initializer_list<const Secret*> secrets = {&options_.client_secret, &account.jwt,
                                                        &account.refresh_token,
                                                        &account.access_token, &basic_secret};
  if (!response.ok()) return Redact(response.status(), secrets);
  limiter_.Observe(account.name, RateGroup::kAuth, *response);
  if (response->status < 200 || response->status > 299) {
    return Redact(MapHttpError(*response), secrets);
  }
  return ParseGrant(response->body);
}

}  // namespace subkeeper::platform
