#include "subkeeper/platform/token_manager.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <thread>

#include "platform/platform_test_util.h"
#include "subkeeper/common/crypto.h"

namespace subkeeper::platform {
namespace {

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
  CHECK(*FindHeader(r.headers, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(*FindHeader(r.headers, "Authorization") ==
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
  CHECK(*FindHeader(requests[1].headers, "Authorization") ==
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

}  // namespace
}  // namespace subkeeper::platform
