#include "subkeeper/platform/token_manager.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "redact.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/platform/errors.h"
#include "subkeeper/platform/url.h"

namespace subkeeper::platform {

struct TokenManager::Account {
  std::string name;
  Secret jwt;               // configured; empty for a refresh-token-only account
  std::string fingerprint;  // CredentialFingerprint of the configured credential
  std::mutex mu;            // held across a token request: one refresh at a time
  // Guarded by mu.
  Secret access_token;  // empty when there is none
  WallTime access_issued{};
  WallTime access_expires{};
  Secret refresh_token;  // empty when there is none
  WallTime refresh_issued{};
  WallTime refresh_expires{};  // unset: unknown (a configured token not used yet)
  std::string state;           // "" | "ready" | "auth_failed"
  int32_t auth_failures = 0;
  WallTime next_login_at{};
  std::string last_error;
  // What Accounts() shows; updated with every change so that it never waits for mu.
  mutable std::mutex view_mu;
  AccountStatus view;  // guarded by view_mu

  // All REQUIRE: mu held.
  bool HasFreshToken(WallTime now) const;
  bool HasValidToken(WallTime now) const;
  bool RefreshUsable(WallTime now) const;
  WallTime KeepAliveDue() const;
  void Apply(Grant grant, WallTime issued);
  Status Reject(const Status& why, WallTime now);
  Status WaitingForLogin(WallTime now) const;
  void Restore(const AccountSnapshot& record, WallTime now);
  AccountSnapshot Record() const;
  AccountStatus View() const;
};

struct TokenManager::Grant {
  Secret access_token;
  Seconds expires_in{0};
  Secret refresh_token;
  std::optional<Seconds> refresh_expires_in;
  bool by_refresh = false;  // answered a refresh-token grant (rather than a JWT login)
};

namespace {

constexpr char kJwtGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr char kReady[] = "ready";
constexpr char kAuthFailed[] = "auth_failed";
// Nominal lifetimes (docs/platform.md §6), for tokens whose real lifetime was not persisted or not
// given.
constexpr Seconds kNominalAccessLifetime{3600};
constexpr Seconds kNominalRefreshLifetime{604800};
constexpr Seconds kFirstLoginBackoff{60};
constexpr Seconds kMaxLoginBackoff{3600};
// When a keep-alive refresh failed for a reason other than a rejection.
constexpr Seconds kKeepAliveRetry{60};

bool Fresh(const Secret& token, WallTime issued, WallTime expires, WallTime now) {
  if (token.empty()) return false;
  const auto lifetime = expires - issued;
  const auto margin = std::min<WallTime::duration>(
      std::max<WallTime::duration>(Seconds(60), lifetime / 10), lifetime / 2);
  return expires - now >= margin;
}

bool Rejected(const Status& status) {
  return status.http_status() == 400 || status.http_status() == 401;
}

// Obtain()'s way of saying "the credential was rejected".
Status AsRejection(const Status& status) {
  Status rejected = Status::Unauthenticated(status.message());
  rejected.WithHttp(status.http_status(), status.api_code());
  return rejected;
}

// 60 s, 120 s, 240 s, … up to 1 h after the n-th consecutive rejection.
Seconds LoginBackoff(int32_t failures) {
  Seconds backoff = kFirstLoginBackoff;
  for (int32_t i = 1; i < failures && backoff < kMaxLoginBackoff; ++i) backoff *= 2;
  return std::min(backoff, kMaxLoginBackoff);
}

// Whole seconds, rounded up and at least 1 s, so that a caller waiting never arrives early.
Seconds CeilSeconds(WallTime::duration d) {
  return std::max(std::chrono::ceil<Seconds>(d), Seconds(1));
}

// An issue time that gives a restored token at least the nominal lifetime (which errs towards
// refreshing early rather than late).
WallTime RestoredIssueTime(WallTime expires, Seconds nominal, WallTime now) {
  return std::min(now, expires - nominal);
}

Result<int64_t> PositiveInt(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return Status::Internal(std::string("token answer: field '") + name + "' missing or invalid");
  }
  return it->get<int64_t>();
}

}  // namespace

bool TokenManager::Account::HasFreshToken(WallTime now) const {
  return Fresh(access_token, access_issued, access_expires, now);
}

bool TokenManager::Account::HasValidToken(WallTime now) const {
  return !access_token.empty() && now < access_expires;
}

bool TokenManager::Account::RefreshUsable(WallTime now) const {
  return !refresh_token.empty() && (refresh_expires == WallTime() || now < refresh_expires);
}

WallTime TokenManager::Account::KeepAliveDue() const {
  if (state == kAuthFailed) return next_login_at;
  if (refresh_token.empty()) return WallTime::max();
  if (refresh_expires == WallTime()) return WallTime();  // unknown expiry: refresh now
  return refresh_issued + (refresh_expires - refresh_issued) * 3 / 4;
}

// `issued` is when the request left, so a lifetime is never overestimated.
void TokenManager::Account::Apply(Grant grant, WallTime issued) {
  access_token = std::move(grant.access_token);
  access_issued = issued;
  access_expires = issued + grant.expires_in;
  if (!grant.refresh_token.empty()) {
    refresh_token = std::move(grant.refresh_token);
    refresh_issued = issued;
    refresh_expires = issued + grant.refresh_expires_in.value_or(kNominalRefreshLifetime);
  } else if (!grant.by_refresh) {
    // A JWT login without a refresh token: the app does not issue them.
    refresh_token = Secret();
    refresh_expires = WallTime();
  }
  // (A refresh answer without a successor keeps the token it was given.)
  state = kReady;
  auth_failures = 0;
  next_login_at = WallTime();
  last_error.clear();
}

Status TokenManager::Account::Reject(const Status& why, WallTime now) {
  state = kAuthFailed;
  ++auth_failures;
  const Seconds backoff = LoginBackoff(auth_failures);
  next_login_at = now + backoff;
  last_error = why.ToString();
  Status rejected = Status::Unauthenticated("the platform rejected the credentials of account '" +
                                            name + "': " + why.message());
  rejected.WithHttp(why.http_status(), why.api_code()).WithRetryAfter(backoff);
  return rejected;
}

Status TokenManager::Account::WaitingForLogin(WallTime now) const {
  const Seconds wait = CeilSeconds(next_login_at - now);
  return Status::Unauthenticated("the credentials of account '" + name + "' were rejected " +
                                 std::to_string(auth_failures) +
                                 " time(s); next login attempt in " + std::to_string(wait.count()) +
                                 " s (last error: " + last_error + ")")
      .WithRetryAfter(wait);
}

void TokenManager::Account::Restore(const AccountSnapshot& record, WallTime now) {
  access_token = record.access_token;
  access_expires = record.access_expires_at;
  access_issued = RestoredIssueTime(access_expires, kNominalAccessLifetime, now);
  refresh_token = record.refresh_token;
  refresh_expires = record.refresh_expires_at;
  refresh_issued = refresh_expires == WallTime()
                       ? WallTime()
                       : RestoredIssueTime(refresh_expires, kNominalRefreshLifetime, now);
  state = record.state;
  auth_failures = record.auth_failures;
  next_login_at = record.next_login_at;
  last_error = record.last_error;
}

AccountSnapshot TokenManager::Account::Record() const {
  AccountSnapshot record;
  record.account = name;
  record.credential_fingerprint = fingerprint;
  record.access_token = access_token;
  record.access_expires_at = access_token.empty() ? WallTime() : access_expires;
  record.refresh_token = refresh_token;
  record.refresh_expires_at = refresh_token.empty() ? WallTime() : refresh_expires;
  record.state = state;
  record.auth_failures = auth_failures;
  record.next_login_at = next_login_at;
  record.last_error = last_error;
  return record;
}

AccountStatus TokenManager::Account::View() const {
  AccountStatus status;
  status.account = name;
  status.state = state.empty() ? "logged_out" : state;
  status.access_expires_at = access_token.empty() ? WallTime() : access_expires;
  status.refresh_expires_at = refresh_token.empty() ? WallTime() : refresh_expires;
  status.auth_failures = auth_failures;
  status.next_login_at = state == kAuthFailed ? next_login_at : WallTime();
  status.last_error = last_error;
  return status;
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
    std::lock_guard lock(account->mu);
    if (auto it = saved.find(name); it != saved.end()) Restore(*account, it->second, now);
    std::lock_guard view_lock(account->view_mu);
    account->view = account->View();
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

// REQUIRES: account.mu held.
void TokenManager::Restore(Account& account, const AccountSnapshot& saved, WallTime now) {
  if (saved.credential_fingerprint != account.fingerprint) {
    logging::PlatformLog({account.name})
        .info("tokens: the account's credential changed; its saved tokens are dropped");
    return;
  }
  account.Restore(saved, now);
}

// REQUIRES: account.mu held. Saves the account and refreshes what Accounts() shows.
void TokenManager::Publish(Account& account) {
  {
    std::lock_guard lock(account.view_mu);
    account.view = account.View();
  }
  if (state_ == nullptr) return;
  if (Status saved = state_->SaveAccount(account.Record()); !saved.ok()) {
    logging::PlatformLog({account.name})
        .warn("tokens: cannot save the account's state: {}", saved.ToString());
  }
}

Result<Secret> TokenManager::AccessToken(const std::string& account_name) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return Status::NotFound("unknown account '" + account_name + "'");
  Account& account = *it->second;
  std::lock_guard lock(account.mu);
  const WallTime now = clock_.Now();
  if (account.HasFreshToken(now)) return account.access_token;
  if (account.state == kAuthFailed && now < account.next_login_at) {
    // Nothing is sent before the next attempt; a token from before the rejection still works.
    if (account.HasValidToken(now)) return account.access_token;
    return account.WaitingForLogin(now);
  }
  Result<Secret> token = Acquire(account, now);
  // A proactive refresh that failed is not fatal while the old token still works.
  if (!token.ok() && account.HasValidToken(now)) return account.access_token;
  return token;
}

// REQUIRES: account.mu held. One token request (two when a rejected refresh token falls back to
// the JWT), its outcome recorded and saved.
Result<Secret> TokenManager::Acquire(Account& account, WallTime now) {
  const Secret refresh_before = account.refresh_token;
  Result<Grant> grant = Obtain(account, now);
  if (grant.ok()) {
    account.Apply(std::move(grant).value(), now);
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
    std::lock_guard lock(account->mu);
    const WallTime now = clock_.Now();
    WallTime due = account->KeepAliveDue();
    if (now >= due) {
      Result<Secret> token = Acquire(*account, now);
      due = account->KeepAliveDue();
      if (!token.ok()) {
        logging::PlatformLog({name}).warn("tokens: keep-alive failed: {}",
                                          token.status().ToString());
        if (due <= now) due = now + token.status().retry_after().value_or(kKeepAliveRetry);
      }
    }
    next = std::min(next, due);
  }
  return next;
}

std::vector<AccountStatus> TokenManager::Accounts() const {
  std::vector<AccountStatus> out;
  out.reserve(accounts_.size());
  for (const auto& [name, account] : accounts_) {
    std::lock_guard lock(account->view_mu);
    out.push_back(account->view);
  }
  return out;
}

std::optional<AccountStatus> TokenManager::AccountOf(const std::string& name) const {
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return std::nullopt;
  std::lock_guard lock(it->second->view_mu);
  return it->second->view;
}

void TokenManager::Invalidate(const std::string& account_name, const Secret& token) {
  auto it = accounts_.find(account_name);
  if (it == accounts_.end()) return;
  Account& account = *it->second;
  std::lock_guard lock(account.mu);
  if (token.empty() || account.access_token != token) return;
  account.access_token = Secret();
  Publish(account);
}

// REQUIRES: account.mu held. kUnauthenticated means the credential was rejected.
Result<TokenManager::Grant> TokenManager::Obtain(Account& account, WallTime now) {
  const bool has_jwt = !account.jwt.empty();
  // Without a JWT the refresh token is all there is: it is presented even when it looks expired
  // (the platform decides), and kept when rejected so that each later attempt can present it.
  if (!has_jwt ? !account.refresh_token.empty() : account.RefreshUsable(now)) {
    Result<Grant> refreshed = RequestToken(account, "grant_type=refresh_token&refresh_token=" +
                                                        UrlEncode(account.refresh_token.Reveal()));
    if (refreshed.ok()) refreshed->by_refresh = true;
    if (refreshed.ok() || !Rejected(refreshed.status())) return refreshed;
    if (!has_jwt) return AsRejection(refreshed.status());
    // Refresh tokens are single-use and expire server-side: a rejected one is gone for good.
    account.refresh_token = Secret();
    account.refresh_expires = WallTime();
  }
  if (!has_jwt) return Status::Unauthenticated("no JWT and no refresh token to log in with");
  Result<Grant> login = RequestToken(account, std::string("grant_type=") + UrlEncode(kJwtGrant) +
                                                  "&assertion=" + UrlEncode(account.jwt.Reveal()));
  if (!login.ok() && Rejected(login.status())) return AsRejection(login.status());
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
