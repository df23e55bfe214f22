#include "subkeeper/platform/token_manager.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "redact.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/platform/errors.h"
#include "subkeeper/platform/token_policy.h"
#include "subkeeper/platform/url.h"

namespace subkeeper::platform {

// The token decisions on an account's TokenState are in token_policy.h.
struct TokenManager::Account : TokenState {
  std::string name;
  Secret jwt;               // configured; empty for a refresh-token-only account
  std::string fingerprint;  // CredentialFingerprint of the configured credential
  // Held across a token request: one refresh at a time. Guards TokenState (a base class, whose
  // fields the analysis cannot be told about).
  Mutex mu;
  // What Accounts() shows; updated with every change so that it never waits for mu.
  mutable Mutex view_mu ACQUIRED_AFTER(mu);
  AccountStatus view GUARDED_BY(view_mu);

  Status Reject(const Status& why, WallTime now) REQUIRES(mu);
  Status WaitingForLogin(WallTime now) const REQUIRES(mu);
};

struct TokenManager::Grant : TokenGrant {};

namespace {

constexpr char kJwtGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// Obtain()'s way of saying "the credential was rejected".
Status AsRejection(const Status& status) {
  Status rejected = Status::Unauthenticated(status.message());
  rejected.WithHttp(status.http_status(), status.api_code());
  return rejected;
}

Result<int64_t> PositiveInt(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return Status::Internal(std::string("token answer: field '") + name + "' missing or invalid");
  }
  return it->get<int64_t>();
}

}  // namespace

Status TokenManager::Account::Reject(const Status& why, WallTime now) {
  const Seconds backoff = RecordRejection(*this, why.ToString(), now);
  Status rejected = Status::Unauthenticated("the platform rejected the credentials of account '" +
                                            name + "': " + why.message());
  rejected.WithHttp(why.http_status(), why.api_code()).WithRetryAfter(backoff);
  return rejected;
}

Status TokenManager::Account::WaitingForLogin(WallTime now) const {
  const Seconds wait = WaitSeconds(next_login_at, now);
  return Status::Unauthenticated("the credentials of account '" + name + "' were rejected " +
                                 std::to_string(auth_failures) +
                                 " time(s); next login attempt in " + std::to_string(wait.count()) +
                                 " s (last error: " + last_error + ")")
      .WithRetryAfter(wait);
}

TokenManager::TokenManager(ClientOptions options,
                           std::map<std::string, AccountCredentials> accounts,
                           http::HttpTransport& transport, const Clock& clock, RateLimiter& limiter,
                           AccountStateStore* state)
    : options_(std::move(options)),
      transport_(transport),
      clock_(clock),
      limiter_(limiter),
      state_(state) {
  const WallTime now = clock_.Now();
  std::map<std::string, AccountSnapshot, std::less<>> saved = LoadSaved();
  for (auto& [name, credentials] : accounts) {
    auto account = std::make_unique<Account>();
    account->name = name;
    account->fingerprint = CredentialFingerprint(credentials.jwt, credentials.refresh_token);
    account->jwt = std::move(credentials.jwt);
    account->refresh_token = std::move(credentials.refresh_token);
    MutexLock lock(account->mu);
    if (auto it = saved.find(name); it != saved.end()) Restore(*account, it->second, now);
    MutexLock view_lock(account->view_mu);
    account->view = StatusOf(*account, account->name);
    accounts_.emplace(name, std::move(account));
  }
}

TokenManager::~TokenManager() = default;

std::map<std::string, AccountSnapshot, std::less<>> TokenManager::LoadSaved() {
  std::map<std::string, AccountSnapshot, std::less<>> saved;
  if (state_ == nullptr) return saved;
  Result<std::vector<AccountSnapshot>> loaded = state_->LoadAccounts();
  if (!loaded.ok()) {
    logging::PlatformLog().warn(
        "tokens: cannot load the saved state of the accounts, starting afresh: {}",
        loaded.status().ToString());
    return saved;
  }
  for (auto& record : *loaded) {
    std::string name = record.account;
    saved.emplace(std::move(name), std::move(record));
  }
  return saved;
}

// The REQUIRES of the helpers below are on their definitions: Account is incomplete in the header.
void TokenManager::Restore(Account& account, const AccountSnapshot& saved, WallTime now)
    REQUIRES(account.mu) {
  if (saved.credential_fingerprint != account.fingerprint) {
    logging::PlatformLog({account.name})
        .info("tokens: the account's credential changed; its saved tokens are dropped");
    return;
  }
  RestoreTokens(account, saved, now);
}

// Saves the account and refreshes what Accounts() shows.
void TokenManager::Publish(Account& account) REQUIRES(account.mu) {
  {
    MutexLock lock(account.view_mu);
    account.view = StatusOf(account, account.name);
  }
  if (state_ == nullptr) return;
  if (Status saved = state_->SaveAccount(SnapshotOf(account, account.name, account.fingerprint));
      !saved.ok()) {
    logging::PlatformLog({account.name})
        .warn("tokens: cannot save the account's state: {}", saved.ToString());
  }
}

Result<Secret> TokenManager::AccessToken(const std::string& account_name) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return Status::NotFound("unknown account '" + account_name + "'");
  Account& account = *it->second;
  MutexLock lock(account.mu);
  const WallTime now = clock_.Now();
  if (HasFreshToken(account, now)) return account.access_token;
  if (LoginDeferred(account, now)) {
    // Nothing is sent before the next attempt; a token from before the rejection still works.
    if (HasValidToken(account, now)) return account.access_token;
    return account.WaitingForLogin(now);
  }
  Result<Secret> token = Acquire(account, now);
  // A proactive refresh that failed is not fatal while the old token still works.
  if (!token.ok() && HasValidToken(account, now)) return account.access_token;
  return token;
}

// One token request (two when a rejected refresh token falls back to the JWT), its outcome
// recorded and saved.
Result<Secret> TokenManager::Acquire(Account& account, WallTime now) REQUIRES(account.mu) {
  const Secret refresh_before = account.refresh_token;
  Result<Grant> grant = Obtain(account, now);
  if (grant.ok()) {
    ApplyGrant(account, std::move(grant).value(), now);
    Publish(account);
    return account.access_token;
  }
  if (grant.status().code() == StatusCode::kUnauthenticated) {
    Status rejected = account.Reject(grant.status(), now);
    Publish(account);
    return rejected;
  }
  // 5xx, network errors and rate limits are not rejections: the state stays as it is, except
  // for a rejected refresh token dropped on the way.
  if (account.refresh_token != refresh_before) Publish(account);
  return grant.status();
}

WallTime TokenManager::KeepAlive() {
  WallTime next = WallTime::max();
  for (auto& [name, account] : accounts_) {
    if (!account->jwt.empty()) continue;  // logs in when it needs to, never ahead
    // Another keeper holds the account (or this one's claim is not trusted): that one keeps it
    // alive, and this one is told again when it takes the claim (Reload).
    if (options_.gate != nullptr && !options_.gate->Admit(name, options_.timeout).ok()) continue;
    MutexLock lock(account->mu);
    const WallTime now = clock_.Now();
    WallTime due = KeepAliveDue(*account);
    if (now >= due) {
      Result<Secret> token = Acquire(*account, now);
      due = KeepAliveDue(*account);
      if (!token.ok()) {
        logging::PlatformLog({name}).warn("tokens: keep-alive failed: {}",
                                          token.status().ToString());
        due = KeepAliveRetryAt(due, now, token.status());
      }
    }
    next = std::min(next, due);
  }
  return next;
}

void TokenManager::Reload(const std::vector<std::string>& names) {
  if (names.empty() || state_ == nullptr) return;
  std::map<std::string, AccountSnapshot, std::less<>> saved = LoadSaved();
  const WallTime now = clock_.Now();
  for (const std::string& name : names) {
    auto it = accounts_.find(name);
    auto record = saved.find(name);
    // Nothing saved: no holder ever obtained a token, and what this keeper has is still its own.
    if (it == accounts_.end() || record == saved.end()) continue;
    Account& account = *it->second;
    MutexLock lock(account.mu);
    Restore(account, record->second, now);
    MutexLock view_lock(account.view_mu);
    account.view = StatusOf(account, account.name);
  }
}

std::vector<AccountStatus> TokenManager::Accounts() const {
  std::vector<AccountStatus> out;
  out.reserve(accounts_.size());
  for (const auto& [name, account] : accounts_) {
    MutexLock lock(account->view_mu);
    out.push_back(account->view);
  }
  return out;
}

std::optional<AccountStatus> TokenManager::AccountOf(const std::string& name) const {
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return std::nullopt;
  MutexLock lock(it->second->view_mu);
  return it->second->view;
}

void TokenManager::Invalidate(const std::string& account_name, const Secret& token) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return;
  Account& account = *it->second;
  MutexLock lock(account.mu);
  if (token.empty() || account.access_token != token) return;
  account.access_token = Secret();
  Publish(account);
}

// kUnauthenticated means the credential was rejected.
Result<TokenManager::Grant> TokenManager::Obtain(Account& account, WallTime now)
    REQUIRES(account.mu) {
  const bool has_jwt = !account.jwt.empty();
  // Without a JWT the refresh token is all there is: it is presented even when it looks expired
  // (the platform decides), and kept when rejected so that each later attempt can present it.
  if (ShouldPresentRefresh(account, has_jwt, now)) {
    Result<Grant> refreshed = RequestToken(account, "grant_type=refresh_token&refresh_token=" +
                                                        UrlEncode(account.refresh_token.Reveal()));
    if (refreshed.ok()) refreshed->by_refresh = true;
    if (refreshed.ok() || !RejectsCredential(refreshed.status())) return refreshed;
    if (!has_jwt) return AsRejection(refreshed.status());
    // Refresh tokens are single-use and expire server-side: a rejected one is gone for good.
    account.refresh_token = Secret();
    account.refresh_expires = WallTime();
  }
  if (!has_jwt) return Status::Unauthenticated("no JWT and no refresh token to log in with");
  Result<Grant> login = RequestToken(account, std::string("grant_type=") + UrlEncode(kJwtGrant) +
                                                  "&assertion=" + UrlEncode(account.jwt.Reveal()));
  if (!login.ok() && RejectsCredential(login.status())) return AsRejection(login.status());
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

Result<TokenManager::Grant> TokenManager::RequestToken(Account& account, const std::string& form)
    REQUIRES(account.mu) {
  if (options_.gate != nullptr)
    SK_RETURN_IF_ERROR(options_.gate->Admit(account.name, options_.timeout));
  SK_RETURN_IF_ERROR(limiter_.Admit(account.name, RateGroup::kAuth));
  http::HttpRequest request;
  request.method = "POST";
  request.url = options_.server + "/restapi/oauth/token";
  request.timeout = options_.timeout;
  request.body = form;
  const std::string basic =
      Base64Encode(options_.client_id + ":" + options_.client_secret.Reveal());
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"},
                     {"Authorization", "Basic " + basic}};
  if (!options_.user_agent.empty()) request.headers.emplace_back("User-Agent", options_.user_agent);
  Result<http::HttpResponse> response = transport_.Send(request);
  metrics::Current().PlatformCall(RateGroupName(RateGroup::kAuth),
                                  response.ok() ? response->status : 0);
  const Secret basic_secret(basic);
  const std::initializer_list<const Secret*> secrets = {&options_.client_secret, &account.jwt,
                                                        &account.refresh_token,
                                                        &account.access_token, &basic_secret};
  if (!response.ok()) return Redact(response.status(), secrets);
  limiter_.Observe(account.name, RateGroup::kAuth, *response);
  if (response->status < 200 || response->status > 299) {
    return MapHttpError(*response, secrets);
  }
  return ParseGrant(response->body);
}

}  // namespace subkeeper::platform
