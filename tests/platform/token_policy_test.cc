#include "subkeeper/platform/token_policy.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <utility>

namespace subkeeper::platform {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);

TokenState WithAccess(WallTime issued, WallTime expires) {
  TokenState s;
  s.access_token = Secret("at");
  s.access_issued = issued;
  s.access_expires = expires;
  return s;
}

TokenState WithRefresh(WallTime issued, WallTime expires) {
  TokenState s;
  s.refresh_token = Secret("rt");
  s.refresh_issued = issued;
  s.refresh_expires = expires;
  return s;
}

TEST_CASE("An access token is fresh until max(60 s, 10%) capped at half remains", "[token]") {
  struct Row {
    Seconds lifetime;
    Seconds remaining;
    bool fresh;
  };
  const Row rows[] = {
      {Seconds(3600), Seconds(361), true},  // margin 10% = 360 s
      {Seconds(3600), Seconds(360), true},
      {Seconds(3600), Seconds(359), false},
      {Seconds(300), Seconds(60), true},  // margin 60 s (10% is less)
      {Seconds(300), Seconds(59), false},
      {Seconds(100), Seconds(50), true},  // margin capped at half the lifetime
      {Seconds(100), Seconds(49), false},
      {Seconds(3600), Seconds(-1), false},  // expired
  };
  for (const Row& row : rows) {
    CAPTURE(row.lifetime.count(), row.remaining.count());
    const WallTime expires = kNow + row.remaining;
    CHECK(HasFreshToken(WithAccess(expires - row.lifetime, expires), kNow) == row.fresh);
  }
  TokenState none = WithAccess(kNow, kNow + Seconds(3600));
  none.access_token = Secret();
  CHECK_FALSE(HasFreshToken(none, kNow));
}

TEST_CASE("An access token is valid until it expires", "[token]") {
  CHECK(HasValidToken(WithAccess(kNow - Seconds(3600), kNow + Seconds(1)), kNow));
  CHECK_FALSE(HasValidToken(WithAccess(kNow - Seconds(3600), kNow), kNow));
  TokenState none = WithAccess(kNow, kNow + Seconds(3600));
  none.access_token = Secret();
  CHECK_FALSE(HasValidToken(none, kNow));
}

TEST_CASE("A refresh token is usable unless it is missing or known to have expired", "[token]") {
  CHECK(RefreshUsable(WithRefresh(kNow, kNow + Seconds(1)), kNow));
  CHECK_FALSE(RefreshUsable(WithRefresh(kNow - Seconds(10), kNow), kNow));
  CHECK(RefreshUsable(WithRefresh(WallTime(), WallTime()), kNow));  // configured: unknown
  CHECK_FALSE(RefreshUsable(TokenState{}, kNow));
  // With a JWT only a usable one is presented; without one any refresh token is.
  const TokenState expired = WithRefresh(kNow - Seconds(10), kNow - Seconds(1));
  CHECK_FALSE(ShouldPresentRefresh(expired, /*has_jwt=*/true, kNow));
  CHECK(ShouldPresentRefresh(expired, /*has_jwt=*/false, kNow));
  CHECK_FALSE(ShouldPresentRefresh(TokenState{}, /*has_jwt=*/false, kNow));
  CHECK(ShouldPresentRefresh(WithRefresh(kNow, kNow + Seconds(5)), /*has_jwt=*/true, kNow));
}

TEST_CASE("Login backoff doubles from 60 s up to 1 h", "[token]") {
  const std::pair<int32_t, int64_t> rows[] = {{0, 60},   {1, 60},      {2, 120},
                                              {3, 240},  {6, 1920},    {7, 3600},
                                              {8, 3600}, {1000, 3600}, {INT32_MAX, 3600}};
  for (const auto& [failures, seconds] : rows) {
    CAPTURE(failures);
    CHECK(LoginBackoff(failures).count() == seconds);
  }
}

TEST_CASE("A login is deferred only while auth_failed and not yet due", "[token]") {
  TokenState s;
  s.next_login_at = kNow + Seconds(1);
  CHECK_FALSE(LoginDeferred(s, kNow));
  s.state = CredentialState::kAuthFailed;
  CHECK(LoginDeferred(s, kNow));
  CHECK_FALSE(LoginDeferred(s, kNow + Seconds(1)));
  s.state = CredentialState::kReady;
  CHECK_FALSE(LoginDeferred(s, kNow));
}

TEST_CASE("Keep-alive falls due at three quarters of the refresh token's lifetime", "[token]") {
  CHECK(KeepAliveDue(WithRefresh(kNow, kNow + Seconds(400))) == kNow + Seconds(300));
  CHECK(KeepAliveDue(WithRefresh(WallTime(), WallTime())) == WallTime());  // unknown: now
  CHECK(KeepAliveDue(TokenState{}) == WallTime::max());
  TokenState failed = WithRefresh(kNow, kNow + Seconds(400));
  failed.state = CredentialState::kAuthFailed;
  failed.next_login_at = kNow + Seconds(60);
  CHECK(KeepAliveDue(failed) == kNow + Seconds(60));

  // After a failure that is not a rejection.
  CHECK(KeepAliveRetryAt(kNow + Seconds(5), kNow, Status::Unavailable("x")) == kNow + Seconds(5));
  CHECK(KeepAliveRetryAt(kNow, kNow, Status::Unavailable("x")) == kNow + kKeepAliveRetry);
  CHECK(KeepAliveRetryAt(WallTime(), kNow,
                         Status::ResourceExhausted("x").WithRetryAfter(Seconds(7))) ==
        kNow + Seconds(7));
}

TEST_CASE("Waits round up to whole seconds and are at least 1 s", "[token]") {
  CHECK(WaitSeconds(kNow + std::chrono::milliseconds(1500), kNow).count() == 2);
  CHECK(WaitSeconds(kNow + Seconds(30), kNow).count() == 30);
  CHECK(WaitSeconds(kNow, kNow).count() == 1);
  CHECK(WaitSeconds(kNow - Seconds(5), kNow).count() == 1);
}

TEST_CASE("Only 400 and 401 reject a credential", "[token]") {
  for (int http : {400, 401}) {
    CHECK(RejectsCredential(Status::InvalidArgument("x").WithHttp(http, "")));
  }
  for (int http : {0, 403, 429, 500, 503}) {
    CAPTURE(http);
    CHECK_FALSE(RejectsCredential(Status::Unavailable("x").WithHttp(http, "")));
  }
}

TEST_CASE("A grant makes the account ready and replaces or keeps the refresh token", "[token]") {
  TokenState s = WithRefresh(kNow - Seconds(100), kNow + Seconds(100));
  s.state = CredentialState::kAuthFailed;
  s.auth_failures = 3;
  s.next_login_at = kNow + Seconds(10);
  s.last_error = "bad";

  TokenGrant refresh_without_successor{Secret("a1"), Seconds(3600), Secret(), std::nullopt, true};
  ApplyGrant(s, refresh_without_successor, kNow);
  CHECK(s.access_token == Secret("a1"));
  CHECK(s.access_issued == kNow);
  CHECK(s.access_expires == kNow + Seconds(3600));
  CHECK(s.refresh_token == Secret("rt"));  // kept
  CHECK(s.refresh_expires == kNow + Seconds(100));
  CHECK(s.state == CredentialState::kReady);
  CHECK(s.auth_failures == 0);
  CHECK(s.next_login_at == WallTime());
  CHECK(s.last_error.empty());

  TokenGrant with_successor{Secret("a2"), Seconds(60), Secret("r2"), Seconds(500), true};
  ApplyGrant(s, with_successor, kNow);
  CHECK(s.refresh_token == Secret("r2"));
  CHECK(s.refresh_issued == kNow);
  CHECK(s.refresh_expires == kNow + Seconds(500));

  TokenGrant nominal{Secret("a3"), Seconds(60), Secret("r3"), std::nullopt, false};
  ApplyGrant(s, nominal, kNow);
  CHECK(s.refresh_expires == kNow + kNominalRefreshLifetime);

  TokenGrant login_without_refresh{Secret("a4"), Seconds(60), Secret(), std::nullopt, false};
  ApplyGrant(s, login_without_refresh, kNow);
  CHECK(s.refresh_token.empty());
  CHECK(s.refresh_expires == WallTime());
}

TEST_CASE("Each rejection counts, backs off further and keeps the error", "[token]") {
  TokenState s;
  CHECK(RecordRejection(s, "first", kNow) == Seconds(60));
  CHECK(s.state == CredentialState::kAuthFailed);
  CHECK(s.auth_failures == 1);
  CHECK(s.next_login_at == kNow + Seconds(60));
  CHECK(RecordRejection(s, "second", kNow) == Seconds(120));
  CHECK(s.auth_failures == 2);
  CHECK(s.next_login_at == kNow + Seconds(120));
  CHECK(s.last_error == "second");
}

TEST_CASE("Restored tokens are taken to have lived at least the nominal lifetime", "[token]") {
  AccountSnapshot record;
  record.access_token = Secret("at");
  record.access_expires_at = kNow + Seconds(600);
  record.refresh_token = Secret("rt");
  record.refresh_expires_at = kNow + Seconds(86400);
  record.state = CredentialState::kAuthFailed;
  record.auth_failures = 2;
  record.next_login_at = kNow + Seconds(30);
  record.last_error = "bad";
  TokenState s;
  RestoreTokens(s, record, kNow);
  CHECK(s.access_issued == kNow + Seconds(600) - kNominalAccessLifetime);
  CHECK(s.refresh_issued == kNow + Seconds(86400) - kNominalRefreshLifetime);
  CHECK(s.state == CredentialState::kAuthFailed);
  CHECK(s.auth_failures == 2);
  CHECK(s.next_login_at == kNow + Seconds(30));
  CHECK(s.last_error == "bad");
  // Longer than nominal: issued now; unknown refresh expiry stays unknown.
  record.access_expires_at = kNow + Seconds(7200);
  record.refresh_expires_at = WallTime();
  RestoreTokens(s, record, kNow);
  CHECK(s.access_issued == kNow);
  CHECK(s.refresh_issued == WallTime());
}

TEST_CASE("Snapshots and status views leave out expiries of missing tokens", "[token]") {
  TokenState s = WithAccess(kNow, kNow + Seconds(60));
  s.refresh_expires = kNow + Seconds(600);  // no refresh token
  s.next_login_at = kNow + Seconds(5);
  AccountSnapshot record = SnapshotOf(s, "main", "fp");
  CHECK(record.account == "main");
  CHECK(record.credential_fingerprint == "fp");
  CHECK(record.access_expires_at == kNow + Seconds(60));
  CHECK(record.refresh_expires_at == WallTime());
  CHECK(record.next_login_at == kNow + Seconds(5));

  AccountStatus view = StatusOf(s, "main");
  CHECK(view.state == platform::CredentialState::kLoggedOut);
  CHECK(view.access_expires_at == kNow + Seconds(60));
  CHECK(view.refresh_expires_at == WallTime());
  CHECK(view.next_login_at == WallTime());  // only while auth_failed
  s.state = CredentialState::kAuthFailed;
  view = StatusOf(s, "main");
  CHECK(view.state == CredentialState::kAuthFailed);
  CHECK(view.next_login_at == kNow + Seconds(5));
}

}  // namespace
}  // namespace subkeeper::platform
