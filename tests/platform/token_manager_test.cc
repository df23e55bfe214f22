#include "subkeeper/platform/token_manager.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <thread>

#include "platform/platform_test_util.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/common/log.h"
#include "support/secret_fragments.h"

namespace subkeeper::platform {
namespace {

using http::HttpRequest;
using http::HttpResponse;

using std::chrono::seconds;
using testing::FakeTransport;
using namespace test;  // NOLINT: test helpers

struct Fixture {
  ManualClock clock;
  FakeTransport transport;
  RateLimiter limiter{clock};
  TokenManager tokens{Options(), Accounts(), transport, clock, limiter};
};

TEST_CASE("The JWT login request has the documented shape", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600));
  Result<Secret> token = f.tokens.AccessToken("main");
  REQUIRE(token.ok());
  CHECK(token->Reveal() == "access-1");
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 1);
  const HttpRequest& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == "https://platform.test/restapi/oauth/token");
  CHECK(r.timeout == std::chrono::milliseconds(1234));
  REQUIRE(r.headers.size() >= 2);
  CHECK(*r.headers.Find("Content-Type") == "application/x-www-form-urlencoded");
  CHECK(*r.headers.Find("Authorization") ==
        "Basic " + Base64Encode(std::string(kClientId) + ":" + kClientSecret));
  CHECK(r.body ==
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        "eyJhbGciOiJSUzI1NiJ9.payload%2B%2F%3D.signature");
}

TEST_CASE("A token is reused until it nears expiry, then refreshed", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  f.transport.Push(200, TokenJson("access-2", 3600, "refresh-2", 604800));
  for (int i = 0; i < 10; ++i) CHECK(f.tokens.AccessToken("main")->Reveal() == "access-1");
  // 10% of 3600 s is 360 s: at 361 s left the token is still used as is.
  f.clock.Advance(seconds(3600 - 361));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-1");
  CHECK(f.transport.RequestCount() == 1);
  f.clock.Advance(seconds(2));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-2");
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].body == "grant_type=refresh_token&refresh_token=refresh-1");
  CHECK(*requests[1].headers.Find("Authorization") ==
        "Basic " + Base64Encode(std::string(kClientId) + ":" + kClientSecret));
}

TEST_CASE("A short-lived token is refreshed with at least 60 s to spare", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 600));
  f.transport.Push(200, TokenJson("access-2", 600));
  REQUIRE(f.tokens.AccessToken("main").ok());
  f.clock.Advance(seconds(539));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-1");
  f.clock.Advance(seconds(2));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-2");
  // No refresh token was issued: the JWT is presented again.
  CHECK(FormField(f.transport.Requests()[1].body, "assertion") != "");
}

TEST_CASE("A rejected refresh token falls back to the JWT once", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  f.transport.Push(400, R"({"error":"invalid_grant","error_description":"Token is revoked",)"
                        R"("errors":[{"errorCode":"OAU-211","message":"Token is revoked"}]})");
  f.transport.Push(200, TokenJson("access-2", 3600, "refresh-2", 604800));
  REQUIRE(f.tokens.AccessToken("main").ok());
  f.clock.Advance(seconds(3500));
  Result<Secret> token = f.tokens.AccessToken("main");
  REQUIRE(token.ok());
  CHECK(token->Reveal() == "access-2");
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 3);
  CHECK(FormField(requests[1].body, "grant_type") == "refresh_token");
  CHECK(FormField(requests[2].body, "grant_type") ==
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
}

TEST_CASE("An expired refresh token is not used", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 1800));
  f.transport.Push(200, TokenJson("access-2", 3600));
  REQUIRE(f.tokens.AccessToken("main").ok());
  f.clock.Advance(seconds(3500));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-2");
  CHECK(FormField(f.transport.Requests()[1].body, "grant_type") != "refresh_token");
}

TEST_CASE("A failed proactive refresh keeps the still-valid token", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  f.transport.Push(503, "");
  REQUIRE(f.tokens.AccessToken("main").ok());
  f.clock.Advance(seconds(3500));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-1");
  // Once it has expired, the failure is reported.
  f.transport.Push(503, "");
  f.clock.Advance(seconds(100));
  Result<Secret> expired = f.tokens.AccessToken("main");
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.status().code() == StatusCode::kUnavailable);
  CHECK_FALSE(LeaksSecret(expired.status()));
}

TEST_CASE("Unknown accounts and rejected credentials", "[platform]") {
  Fixture f;
  Result<Secret> unknown = f.tokens.AccessToken("nobody");
  CHECK(unknown.status().code() == StatusCode::kNotFound);
  CHECK(f.transport.RequestCount() == 0);

  // A platform that echoes what it was sent must not carry the credential into the Status.
  f.transport.Push(400, std::string(R"({"error":"invalid_grant","error_description":"bad )") +
                            kJwt + " for " + kClientSecret + R"("})");
  Result<Secret> rejected = f.tokens.AccessToken("main");
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == StatusCode::kUnauthenticated);
  CHECK(rejected.status().message().find("'main'") != std::string::npos);
  CHECK(rejected.status().api_code() == "invalid_grant");
  CHECK_FALSE(LeaksSecret(rejected.status()));
}

TEST_CASE("A long credential echoed in an error leaves no piece in the Status", "[platform]") {
  // Longer than every cut: the message is cut to 200 bytes only after redaction, so neither a
  // JWT nor an opaque secret leaves a prefix that no longer matches anything.
  const std::string jwt = subkeeper::testing::LongJwt(1500);
  const std::string client_secret = subkeeper::testing::LongOpaqueToken(1500);
  ClientOptions options = Options();
  options.client_secret = Secret(client_secret);
  for (const std::string& echoed : {jwt, client_secret, jwt + " " + client_secret}) {
    ManualClock clock;
    FakeTransport transport;
    RateLimiter limiter{clock};
    TokenManager tokens{
        options, {{"main", AccountCredentials{Secret(jwt), Secret()}}}, transport, clock, limiter};
    transport.Push(400, R"({"error":"invalid_grant","error_description":"the assertion )" + echoed +
                            R"( is not valid"})");
    Result<Secret> rejected = tokens.AccessToken("main");
    REQUIRE_FALSE(rejected.ok());
    CHECK(transport.RequestCount() == 1);
    const std::string text = rejected.status().ToString();
    CHECK(text.find("[redacted]") != std::string::npos);
    CHECK_FALSE(subkeeper::testing::HasFragment(text, jwt));
    CHECK_FALSE(subkeeper::testing::HasFragment(text, client_secret));
    // And as it would be logged.
    CHECK_FALSE(subkeeper::testing::HasFragment(logging::Scrub(text), jwt));
  }
}

TEST_CASE("Invalidate drops only the current token", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  f.transport.Push(200, TokenJson("access-2", 3600, "refresh-2", 604800));
  REQUIRE(f.tokens.AccessToken("main").ok());
  f.tokens.Invalidate("main", Secret("access-0"));  // stale: ignored
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-1");
  f.tokens.Invalidate("main", Secret("access-1"));
  CHECK(f.tokens.AccessToken("main")->Reveal() == "access-2");
  CHECK(FormField(f.transport.Requests()[1].body, "grant_type") == "refresh_token");
  f.tokens.Invalidate("nobody", Secret("access-2"));
}

TEST_CASE("Token requests go through the Auth budget", "[platform]") {
  Fixture f;
  f.transport.Push(429, "", {{"Retry-After", "20"}});
  Result<Secret> limited = f.tokens.AccessToken("main");
  CHECK(limited.status().code() == StatusCode::kResourceExhausted);
  CHECK(limited.status().retry_after() == seconds(20));
  Result<Secret> refused = f.tokens.AccessToken("main");
  CHECK(refused.status().code() == StatusCode::kResourceExhausted);
  CHECK(f.transport.RequestCount() == 1);  // nothing sent inside the penalty
  f.clock.Advance(seconds(20));
  f.transport.Push(200, TokenJson("access-1", 3600));
  CHECK(f.tokens.AccessToken("main").ok());
  CHECK(f.transport.RequestCount() == 2);
}

TEST_CASE("Concurrent callers share one token request", "[platform]") {
  Fixture f;
  constexpr int kThreads = 8;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::atomic<int> token_requests{0};
  // The token endpoint holds its answer until every caller has started (or 5 s have passed), so
  // callers without single-flight would all send their own request meanwhile.
  f.transport.SetHandler([&](const HttpRequest&) -> Result<HttpResponse> {
    const int n = ++token_requests;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return started == kThreads; });
    return FakeTransport::Response(200, TokenJson("access-" + std::to_string(n), 3600));
  });
  std::vector<std::thread> threads;
  std::vector<std::string> got(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      {
        std::lock_guard lock(mu);
        ++started;
      }
      cv.notify_all();
      Result<Secret> token = f.tokens.AccessToken("main");
      if (token.ok()) got[i] = token->Reveal();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(token_requests == 1);
  for (const auto& token : got) CHECK(token == "access-1");
}

// --- Persistence, auth_failed, refresh-token-only accounts ---

constexpr char kRefreshOnly[] = "rt";

std::map<std::string, AccountCredentials> RefreshOnly(const std::string& token = "refresh-0") {
  return {{kRefreshOnly, AccountCredentials{Secret(), Secret(token)}}};
}

// A manager over a MemoryAccountState that survives Restart(), as the store would.
struct Persisted {
  explicit Persisted(std::map<std::string, AccountCredentials> accounts = Accounts())
      : credentials(std::move(accounts)) {
    Restart();
  }
  void Restart() {
    tokens.reset();
    limiter = std::make_unique<RateLimiter>(clock, &state);
    limiter->Restore();
    tokens =
        std::make_unique<TokenManager>(Options(), credentials, transport, clock, *limiter, &state);
  }
  AccountStatus Status(const std::string& account = "main") const {
    for (const AccountStatus& status : tokens->Accounts()) {
      if (status.account == account) return status;
    }
    FAIL("no status for " << account);
    return {};
  }

  std::map<std::string, AccountCredentials> credentials;
  ManualClock clock;
  FakeTransport transport;
  MemoryAccountState state;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<TokenManager> tokens;
};

const char kRejectedJwt[] =
    R"({"error":"invalid_grant","errors":[{"errorCode":"OAU-140","message":"Invalid JWT"}]})";

TEST_CASE("A restarted manager reuses the persisted token", "[platform]") {
  Persisted f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  REQUIRE(f.tokens->AccessToken("main").ok());
  std::optional<AccountSnapshot> saved = f.state.Account("main");
  REQUIRE(saved);
  CHECK(saved->access_token.Reveal() == "access-1");
  CHECK(saved->access_expires_at == f.clock.Now() + seconds(3600));
  CHECK(saved->refresh_token.Reveal() == "refresh-1");
  CHECK(saved->refresh_expires_at == f.clock.Now() + seconds(604800));
  CHECK(saved->state == platform::CredentialState::kReady);
  CHECK(saved->credential_fingerprint == CredentialFingerprint(Secret(kJwt), Secret()));

  f.clock.Advance(seconds(600));
  f.Restart();
  CHECK(f.Status().state == platform::CredentialState::kReady);
  Result<Secret> token = f.tokens->AccessToken("main");
  REQUIRE(token.ok());
  CHECK(token->Reveal() == "access-1");
  CHECK(f.transport.RequestCount() == 1);  // no token request after the restart

  // Near expiry the persisted refresh token is used.
  f.transport.Push(200, TokenJson("access-2", 3600, "refresh-2", 604800));
  f.clock.Advance(seconds(2700));
  CHECK(f.tokens->AccessToken("main")->Reveal() == "access-2");
  CHECK(f.transport.Requests().back().body == "grant_type=refresh_token&refresh_token=refresh-1");
}

TEST_CASE("A changed credential discards the persisted tokens", "[platform]") {
  Persisted f;
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  REQUIRE(f.tokens->AccessToken("main").ok());
  f.credentials["main"].jwt = Secret("another.jwt.value");
  f.Restart();
  CHECK(f.Status().state == platform::CredentialState::kLoggedOut);
  f.transport.Push(200, TokenJson("access-2", 3600));
  CHECK(f.tokens->AccessToken("main")->Reveal() == "access-2");
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(FormField(requests[1].body, "assertion") == "another.jwt.value");
  CHECK(f.state.Account("main")->credential_fingerprint ==
        CredentialFingerprint(Secret("another.jwt.value"), Secret()));
}

TEST_CASE("A rejected credential stops calls and retries login at 60 s then 120 s", "[platform]") {
  Persisted f;
  f.transport.Push(400, kRejectedJwt);
  Result<Secret> rejected = f.tokens->AccessToken("main");
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == StatusCode::kUnauthenticated);
  CHECK(rejected.status().retry_after() == seconds(60));
  CHECK(f.transport.RequestCount() == 1);
  AccountStatus status = f.Status();
  CHECK(status.state == platform::CredentialState::kAuthFailed);
  CHECK(status.auth_failures == 1);
  CHECK(status.next_login_at == f.clock.Now() + seconds(60));
  CHECK(status.last_error.find("OAU-140") != std::string::npos);
  CHECK(f.state.Account("main")->state == platform::CredentialState::kAuthFailed);

  // Not due: refused locally, with the time left; nothing is sent.
  f.clock.Advance(seconds(59));
  Result<Secret> waiting = f.tokens->AccessToken("main");
  CHECK(waiting.status().code() == StatusCode::kUnauthenticated);
  CHECK(waiting.status().retry_after() == seconds(1));
  CHECK(waiting.status().message().find("'main'") != std::string::npos);
  CHECK(f.transport.RequestCount() == 1);

  // Due: exactly one attempt, rejected again: the next one is 120 s away.
  f.clock.Advance(seconds(1));
  f.transport.Push(401, kRejectedJwt);
  CHECK(f.tokens->AccessToken("main").status().retry_after() == seconds(120));
  CHECK(f.transport.RequestCount() == 2);
  CHECK(f.Status().auth_failures == 2);

  // A restart remembers the pause.
  f.clock.Advance(seconds(119));
  f.Restart();
  CHECK(f.tokens->AccessToken("main").status().code() == StatusCode::kUnauthenticated);
  CHECK(f.transport.RequestCount() == 2);

  // The next attempt succeeds: back to ready.
  f.clock.Advance(seconds(1));
  f.transport.Push(200, TokenJson("access-1", 3600));
  CHECK(f.tokens->AccessToken("main")->Reveal() == "access-1");
  status = f.Status();
  CHECK(status.state == platform::CredentialState::kReady);
  CHECK(status.auth_failures == 0);
  CHECK(status.last_error.empty());
  CHECK(f.state.Account("main")->state == platform::CredentialState::kReady);
}

TEST_CASE("Login attempts back off by doubling up to one hour", "[platform]") {
  Persisted f;
  for (int expected : {60, 120, 240, 480, 960, 1920, 3600, 3600}) {
    f.transport.Push(400, kRejectedJwt);
    Result<Secret> rejected = f.tokens->AccessToken("main");
    CHECK(rejected.status().retry_after() == seconds(expected));
    f.clock.Advance(seconds(expected));
  }
  CHECK(f.transport.RequestCount() == 8);
}

TEST_CASE("Server errors and rate limits are not rejections", "[platform]") {
  Persisted f;
  f.transport.Push(503, "");
  CHECK(f.tokens->AccessToken("main").status().code() == StatusCode::kUnavailable);
  f.transport.PushError(Status::DeadlineExceeded("timed out"));
  CHECK(f.tokens->AccessToken("main").status().code() == StatusCode::kDeadlineExceeded);
  CHECK(f.Status().state == platform::CredentialState::kLoggedOut);
  CHECK(f.Status().auth_failures == 0);
  f.transport.Push(200, TokenJson("access-1", 3600));
  CHECK(f.tokens->AccessToken("main").ok());  // no pause: sent at once
  CHECK(f.transport.RequestCount() == 3);
}

TEST_CASE("A token from before a rejection is used until it expires", "[platform]") {
  Persisted f;
  f.transport.Push(200, TokenJson("access-1", 3600));  // no refresh token: the JWT again
  REQUIRE(f.tokens->AccessToken("main").ok());
  f.clock.Advance(seconds(3590));
  f.transport.Push(400, kRejectedJwt);
  CHECK(f.tokens->AccessToken("main")->Reveal() == "access-1");
  CHECK(f.Status().state == platform::CredentialState::kAuthFailed);
  CHECK(f.tokens->AccessToken("main")->Reveal() == "access-1");
  CHECK(f.transport.RequestCount() == 2);
  // Expired, and the next attempt (60 s after the rejection) is not due yet.
  f.clock.Advance(seconds(20));
  CHECK(f.tokens->AccessToken("main").status().code() == StatusCode::kUnauthenticated);
  CHECK(f.transport.RequestCount() == 2);
}

TEST_CASE("A refresh-token-only account starts from its refresh token", "[platform]") {
  Persisted f(RefreshOnly());
  CHECK(f.Status(kRefreshOnly).state == platform::CredentialState::kLoggedOut);
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 86400));
  CHECK(f.tokens->AccessToken(kRefreshOnly)->Reveal() == "access-1");
  CHECK(f.transport.Requests()[0].body == "grant_type=refresh_token&refresh_token=refresh-0");
  CHECK(f.state.Account(kRefreshOnly)->refresh_token.Reveal() == "refresh-1");

  // After a restart the successor, not the configured token, is used.
  f.Restart();
  f.tokens->Invalidate(kRefreshOnly, Secret("access-1"));
  f.transport.Push(200, TokenJson("access-2", 3600, "refresh-2", 86400));
  CHECK(f.tokens->AccessToken(kRefreshOnly)->Reveal() == "access-2");
  CHECK(f.transport.Requests()[1].body == "grant_type=refresh_token&refresh_token=refresh-1");
  CHECK(f.state.Account(kRefreshOnly)->refresh_token.Reveal() == "refresh-2");
}

TEST_CASE("KeepAlive refreshes a refresh-only account at 75 percent of its lifetime",
          "[platform]") {
  auto accounts = RefreshOnly();
  accounts.emplace("main", AccountCredentials{Secret(kJwt), Secret()});
  Persisted f(accounts);
  Router router;
  router.refresh_expires_in = 1000;
  Route(f.transport, router);
  const WallTime start = f.clock.Now();

  // The configured token's expiry is unknown: refreshed at once. The JWT account is left alone.
  CHECK(f.tokens->KeepAlive() == start + seconds(750));
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].body == "grant_type=refresh_token&refresh_token=refresh-0");
  CHECK(f.state.Account(kRefreshOnly)->refresh_token.Reveal() == "refresh-1");
  CHECK(f.Status(kRefreshOnly).refresh_expires_at == start + seconds(1000));

  f.clock.Advance(seconds(749));
  CHECK(f.tokens->KeepAlive() == start + seconds(750));
  CHECK(f.transport.RequestCount() == 1);

  f.clock.Advance(seconds(1));
  CHECK(f.tokens->KeepAlive() == f.clock.Now() + seconds(750));
  requests = f.transport.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].body == "grant_type=refresh_token&refresh_token=refresh-1");
  CHECK(f.state.Account(kRefreshOnly)->refresh_token.Reveal() == "refresh-2");
  CHECK(f.tokens->AccessToken(kRefreshOnly)->Reveal() == "access-2");
  CHECK(f.transport.RequestCount() == 2);
}

TEST_CASE("KeepAlive retries after a failure that is not a rejection", "[platform]") {
  Persisted f(RefreshOnly());
  f.transport.Push(503, "");
  CHECK(f.tokens->KeepAlive() == f.clock.Now() + seconds(60));
  CHECK(f.Status(kRefreshOnly).state == platform::CredentialState::kLoggedOut);
  CHECK(f.state.Account(kRefreshOnly) == std::nullopt);  // nothing changed, nothing saved
}

TEST_CASE("A rejected refresh token without a JWT is auth_failed and presented again",
          "[platform]") {
  Persisted f(RefreshOnly());
  f.transport.Push(400, std::string(R"({"error":"invalid_grant","error_description":"bad )") +
                            "refresh-0" + R"("})");
  Result<Secret> rejected = f.tokens->AccessToken(kRefreshOnly);
  CHECK(rejected.status().code() == StatusCode::kUnauthenticated);
  CHECK(rejected.status().retry_after() == seconds(60));
  CHECK_FALSE(LeaksSecret(rejected.status()));
  AccountStatus status = f.Status(kRefreshOnly);
  CHECK(status.state == platform::CredentialState::kAuthFailed);
  CHECK(status.last_error.find("refresh-0") == std::string::npos);
  CHECK(status.last_error.find("[redacted]") != std::string::npos);

  // KeepAlive waits for the next attempt too, then presents the same token once.
  CHECK(f.tokens->KeepAlive() == f.clock.Now() + seconds(60));
  CHECK(f.transport.RequestCount() == 1);
  f.clock.Advance(seconds(60));
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 86400));
  CHECK(f.tokens->KeepAlive() == f.clock.Now() + seconds(86400 * 3 / 4));
  auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].body == "grant_type=refresh_token&refresh_token=refresh-0");
  CHECK(f.Status(kRefreshOnly).state == platform::CredentialState::kReady);
}

TEST_CASE("No secret reaches a Status or an account status", "[platform]") {
  Persisted f;
  f.transport.Push(400, std::string(R"({"error":"invalid_grant","error_description":"bad )") +
                            kJwt + " for " + kClientSecret + R"("})");
  Result<Secret> rejected = f.tokens->AccessToken("main");
  CHECK(rejected.status().code() == StatusCode::kUnauthenticated);
  CHECK_FALSE(LeaksSecret(rejected.status()));
  Result<Secret> waiting = f.tokens->AccessToken("main");
  CHECK(waiting.status().code() == StatusCode::kUnauthenticated);
  CHECK_FALSE(LeaksSecret(waiting.status()));
  const std::string last_error = f.Status().last_error;
  CHECK_FALSE(last_error.empty());
  CHECK(last_error.find(kJwt) == std::string::npos);
  CHECK(last_error.find(kClientSecret) == std::string::npos);
  CHECK(f.state.Account("main")->last_error == last_error);
}

TEST_CASE("Accounts shows each account without secrets", "[platform]") {
  auto accounts = RefreshOnly();
  accounts.emplace("main", AccountCredentials{Secret(kJwt), Secret()});
  Persisted f(accounts);
  f.transport.Push(200, TokenJson("access-1", 3600, "refresh-1", 604800));
  REQUIRE(f.tokens->AccessToken("main").ok());
  std::vector<AccountStatus> all = f.tokens->Accounts();
  REQUIRE(all.size() == 2);
  CHECK(all[0].account == "main");
  CHECK(all[0].state == platform::CredentialState::kReady);
  CHECK(all[0].access_expires_at == f.clock.Now() + seconds(3600));
  CHECK(all[0].refresh_expires_at == f.clock.Now() + seconds(604800));
  CHECK(all[0].next_login_at == WallTime());
  CHECK(all[1].account == kRefreshOnly);
  CHECK(all[1].state == platform::CredentialState::kLoggedOut);
  CHECK(all[1].access_expires_at == WallTime());
  // One account alone, as the condition tracking after a renewal asks for it.
  const auto main = f.tokens->AccountOf("main");
  REQUIRE(main.has_value());
  CHECK(main->state == platform::CredentialState::kReady);
  CHECK(main->access_expires_at == all[0].access_expires_at);
  CHECK_FALSE(f.tokens->AccountOf("unknown").has_value());
}

}  // namespace
}  // namespace subkeeper::platform
