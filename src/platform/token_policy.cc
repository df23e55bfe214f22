#include "subkeeper/platform/token_policy.h"

#include <algorithm>
#include <utility>

namespace subkeeper::platform {

namespace {

// An issue time that gives a restored token at least the nominal lifetime (which errs towards
// refreshing early rather than late).
WallTime RestoredIssueTime(WallTime expires, Seconds nominal, WallTime now) {
  return std::min(now, expires - nominal);
}

}  // namespace

bool HasFreshToken(const TokenState& s, WallTime now) {
  if (s.access_token.empty()) return false;
  const auto lifetime = s.access_expires - s.access_issued;
  const auto margin = std::min<WallTime::duration>(
      std::max<WallTime::duration>(Seconds(60), lifetime / 10), lifetime / 2);
  return s.access_expires - now >= margin;
}

bool HasValidToken(const TokenState& s, WallTime now) {
  return !s.access_token.empty() && now < s.access_expires;
}

bool RefreshUsable(const TokenState& s, WallTime now) {
  return !s.refresh_token.empty() && (s.refresh_expires == WallTime() || now < s.refresh_expires);
}

bool ShouldPresentRefresh(const TokenState& s, bool has_jwt, WallTime now) {
  return has_jwt ? RefreshUsable(s, now) : !s.refresh_token.empty();
}

bool LoginDeferred(const TokenState& s, WallTime now) {
  return s.state == CredentialState::kAuthFailed && now < s.next_login_at;
}

WallTime KeepAliveDue(const TokenState& s) {
  if (s.state == CredentialState::kAuthFailed) return s.next_login_at;
  if (s.refresh_token.empty()) return WallTime::max();
  if (s.refresh_expires == WallTime()) return WallTime();  // unknown expiry: refresh now
  return s.refresh_issued + (s.refresh_expires - s.refresh_issued) * 3 / 4;
}

WallTime KeepAliveRetryAt(WallTime due, WallTime now, const Status& error) {
  if (due > now) return due;
  return now + error.retry_after().value_or(kKeepAliveRetry);
}

Seconds LoginBackoff(int32_t failures) {
  Seconds backoff = kFirstLoginBackoff;
  for (int32_t i = 1; i < failures && backoff < kMaxLoginBackoff; ++i) backoff *= 2;
  return std::min(backoff, kMaxLoginBackoff);
}

Seconds WaitSeconds(WallTime at, WallTime now) {
  return std::max(std::chrono::ceil<Seconds>(at - now), Seconds(1));
}

bool RejectsCredential(const Status& error) {
  return error.http_status() == 400 || error.http_status() == 401;
}

void ApplyGrant(TokenState& s, TokenGrant grant, WallTime issued) {
  s.access_token = std::move(grant.access_token);
  s.access_issued = issued;
  s.access_expires = issued + grant.expires_in;
  if (!grant.refresh_token.empty()) {
    s.refresh_token = std::move(grant.refresh_token);
    s.refresh_issued = issued;
    s.refresh_expires = issued + grant.refresh_expires_in.value_or(kNominalRefreshLifetime);
  } else if (!grant.by_refresh) {
    // A JWT login without a refresh token: the app does not issue them.
    s.refresh_token = Secret();
    s.refresh_expires = WallTime();
  }
  // (A refresh answer without a successor keeps the token it was given.)
  s.state = CredentialState::kReady;
  s.auth_failures = 0;
  s.next_login_at = WallTime();
  s.last_error.clear();
}

Seconds RecordRejection(TokenState& s, std::string error, WallTime now) {
  s.state = CredentialState::kAuthFailed;
  ++s.auth_failures;
  const Seconds backoff = LoginBackoff(s.auth_failures);
  s.next_login_at = now + backoff;
  s.last_error = std::move(error);
  return backoff;
}

void RestoreTokens(TokenState& s, const AccountSnapshot& record, WallTime now) {
  s.access_token = record.access_token;
  s.access_expires = record.access_expires_at;
  s.access_issued = RestoredIssueTime(s.access_expires, kNominalAccessLifetime, now);
  s.refresh_token = record.refresh_token;
  s.refresh_expires = record.refresh_expires_at;
  s.refresh_issued = s.refresh_expires == WallTime()
                         ? WallTime()
                         : RestoredIssueTime(s.refresh_expires, kNominalRefreshLifetime, now);
  s.state = record.state;
  s.auth_failures = record.auth_failures;
  s.next_login_at = record.next_login_at;
  s.last_error = record.last_error;
}

AccountSnapshot SnapshotOf(const TokenState& s, const std::string& account,
                           const std::string& fingerprint) {
  AccountSnapshot record;
  record.account = account;
  record.credential_fingerprint = fingerprint;
  record.access_token = s.access_token;
  record.access_expires_at = s.access_token.empty() ? WallTime() : s.access_expires;
  record.refresh_token = s.refresh_token;
  record.refresh_expires_at = s.refresh_token.empty() ? WallTime() : s.refresh_expires;
  record.state = s.state;
  record.auth_failures = s.auth_failures;
  record.next_login_at = s.next_login_at;
  record.last_error = s.last_error;
  return record;
}

AccountStatus StatusOf(const TokenState& s, const std::string& account) {
  AccountStatus status;
  status.account = account;
  status.state = s.state;
  status.access_expires_at = s.access_token.empty() ? WallTime() : s.access_expires;
  status.refresh_expires_at = s.refresh_token.empty() ? WallTime() : s.refresh_expires;
  status.auth_failures = s.auth_failures;
  status.next_login_at = s.state == CredentialState::kAuthFailed ? s.next_login_at : WallTime();
  status.last_error = s.last_error;
  return status;
}

}  // namespace subkeeper::platform
