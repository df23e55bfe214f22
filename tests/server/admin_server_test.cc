#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/raw_http.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::server {
namespace {

using testing::Parse;
using testing::ParsedResponse;
using testing::RawConnection;

class FakeAdminSource final : public AdminSource {
 public:
  Readiness GetReadiness() override {
    std::unique_lock lock(mu_);
    ++readiness_calls_;
    calls_cv_.notify_all();
    // Blocks while held: a readiness check stuck on a busy database.
    release_cv_.wait(lock, [this] { return !hold_readiness_; });
    return readiness_;
  }
  void HoldReadiness(bool hold) {
    std::lock_guard lock(mu_);
    hold_readiness_ = hold;
    if (!hold) release_cv_.notify_all();
  }
  // Waits (up to 10 s) until GetReadiness has been entered `n` times in all.
  bool WaitReadinessCalls(int n) {
    std::unique_lock lock(mu_);
    return calls_cv_.wait_for(lock, std::chrono::seconds(10),
                              [&] { return readiness_calls_ >= n; });
  }
  std::string SubscriptionsJson() override { return R"({"subscriptions":[{"name":"sms"}]})"; }
  Answer SubscriptionJson(const std::string& account, const std::string& name) override {
    if (account == "main" && name == "sms") return {200, R"({"name":"sms"})"};
    return {};
  }
  Answer RequestRenewal(const std::string& account, const std::string& name) override {
    std::lock_guard lock(mu_);
    renewals_.push_back(account + "/" + name);
    return {202, R"({"requested":true})"};
  }
  std::vector<std::string> renewals() {
    std::lock_guard lock(mu_);
    return renewals_;
  }
  void Set(Readiness r) {
    std::lock_guard lock(mu_);
    readiness_ = std::move(r);
  }

 private:
  std::mutex mu_;
  std::condition_variable calls_cv_;
  std::condition_variable release_cv_;
  bool hold_readiness_ = false;           // guarded by mu_
  int readiness_calls_ = 0;               // guarded by mu_
  Readiness readiness_{true, {}, 0, ""};  // guarded by mu_
  std::vector<std::string> renewals_;     // guarded by mu_
};

ParsedResponse Get(int port, const std::string& path, const std::string& headers = "") {
  RawConnection c(port);
  REQUIRE(c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"));
  return Parse(c.ReadResponse());
}

ParsedResponse Post(int port, const std::string& path, const std::string& headers = "") {
  RawConnection c(port);
  REQUIRE(
      c.Send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n" + headers + "\r\n"));
  return Parse(c.ReadResponse());
}

TEST_CASE("admin endpoints answer JSON", "[server]") {
  FakeAdminSource source;
  AdminServer admin(source);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  const int port = *bound;

  ParsedResponse health = Get(port, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.Header("content-type") == "application/json");
  CHECK(health.body == R"({"status":"ok"})");

  ParsedResponse ready = Get(port, "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body == R"({"ready":true})");

  source.Set({false, {"store not writable", "config not applied"}, 0, ""});
  ParsedResponse not_ready = Get(port, "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.Header("content-type") == "application/json");
  CHECK(not_ready.body ==
        R"({"ready":false,"reasons":["store not writable","config not applied"]})");

  // A refused reload is visible while the previous generation keeps running.
  source.Set(
      {true, {}, 3, "subkeeper.yaml:7: subscriptions[0].expires_in: must be in 1..315360000"});
  ParsedResponse refused = Get(port, "/readyz");
  CHECK(refused.status == 200);
  CHECK(
      refused.body ==
      R"({"config_generation":3,"config_refused":"subkeeper.yaml:7: subscriptions[0].expires_in: must be in 1..315360000","ready":true})");

  ParsedResponse subs = Get(port, "/v1/subscriptions");
  CHECK(subs.status == 200);
  CHECK(subs.body == R"({"subscriptions":[{"name":"sms"}]})");

  ParsedResponse unknown = Get(port, "/nope");
  CHECK(unknown.status == 404);
  CHECK(unknown.Header("content-type") == "application/json");
  CHECK(unknown.body == R"({"error":"not found"})");

  // The admin port is not a webhook endpoint.
  RawConnection c(port);
  REQUIRE(
      c.Send("POST /webhooks/main/sms HTTP/1.1\r\nHost: x\r\nValidation-Token: t\r\n"
             "Content-Length: 0\r\n\r\n"));
  ParsedResponse handshake = Parse(c.ReadResponse());
  CHECK(handshake.status == 404);
  CHECK(handshake.headers.count("validation-token") == 0);
  admin.Stop();
}

TEST_CASE("one subscription can be shown and renewed by name", "[server]") {
  FakeAdminSource source;
  AdminServer admin(source);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  CHECK(Get(*bound, "/v1/subscriptions/main/sms").body == R"({"name":"sms"})");
  CHECK(Get(*bound, "/v1/subscriptions/main/other").status == 404);
  ParsedResponse renew = Post(*bound, "/v1/subscriptions/main/sms/renew");
  CHECK(renew.status == 202);
  CHECK(source.renewals() == std::vector<std::string>{"main/sms"});
  // Names are [A-Za-z0-9_-]{1,64}: anything else is not routed.
  CHECK(Post(*bound, "/v1/subscriptions/main/s%20ms/renew").status == 404);
  CHECK(source.renewals().size() == 1);
  admin.Stop();
}

TEST_CASE("with a token every endpoint but the probes wants it", "[server]") {
  FakeAdminSource source;
  AdminOptions options;
  options.token = Secret("admin-token-123");
  AdminServer admin(source, options);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  const int port = *bound;
  CHECK(Get(port, "/healthz").status == 200);
  CHECK(Get(port, "/readyz").status == 200);

  ParsedResponse missing = Get(port, "/v1/subscriptions");
  CHECK(missing.status == 401);
  CHECK(missing.Header("www-authenticate") == R"(Bearer realm="subkeeper")");
  CHECK(missing.body == R"({"error":"a valid bearer token is required"})");
  CHECK(Get(port, "/v1/subscriptions", "Authorization: Bearer wrong\r\n").status == 401);
  CHECK(Get(port, "/v1/subscriptions", "Authorization: Basic admin-token-123\r\n").status == 401);
  CHECK(Post(port, "/v1/subscriptions/main/sms/renew").status == 401);
  CHECK(source.renewals().empty());

  ParsedResponse ok = Get(port, "/v1/subscriptions", "Authorization: Bearer admin-token-123\r\n");
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"subscriptions":[{"name":"sms"}]})");
  CHECK(Post(port, "/v1/subscriptions/main/sms/renew", "Authorization: Bearer admin-token-123\r\n")
            .status == 202);
  admin.Stop();
}

TEST_CASE("admin methods: a known path with another method is 405", "[server]") {
  FakeAdminSource source;
  AdminServer admin(source);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  CHECK(Post(*bound, "/healthz").status == 405);
  CHECK(Post(*bound, "/v1/subscriptions").status == 405);
  CHECK(Get(*bound, "/v1/relay/wake").status == 405);
  CHECK(Get(*bound, "/v1/subscriptions/main/sms/renew").status == 405);
  CHECK(source.renewals().empty());
  ParsedResponse metrics = Get(*bound, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.Header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  admin.Stop();
}

TEST_CASE("/healthz needs no worker: it answers while every worker is stuck", "[server]") {
  FakeAdminSource source;
  source.HoldReadiness(true);
  AdminServer admin(source);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  // More stuck /readyz requests than workers (4): every worker is held, one more is queued.
  std::vector<RawConnection> stuck;
  for (int i = 0; i < 5; ++i) {
    stuck.emplace_back(*bound);
    REQUIRE(stuck.back().Send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  REQUIRE(source.WaitReadinessCalls(4));
  for (int i = 0; i < 3; ++i) {
    ParsedResponse health = Get(*bound, "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"status":"ok"})");
  }
  source.HoldReadiness(false);
  for (auto& c : stuck) CHECK(Parse(c.ReadResponse()).status == 200);
  admin.Stop();
}

TEST_CASE("probes answer promptly while 64 clients trickle headers and 64 sit idle", "[server]") {
  // A thread per connection (the old listener had 4) is held by every trickler until its read
  // timeout: the probes below would wait that long. Here a header deadline of 10 s, and the
  // probes must answer within 2 s, with every trickler and idle client still connected.
  constexpr int kHeld = 64;
  constexpr auto kDeadline = std::chrono::seconds(2);
  FakeAdminSource source;
  AdminOptions options;
  options.server.read_timeout_ms = 10000;
  options.server.keep_alive_s = 10;
  options.token = Secret("admin-token-123");
  AdminServer admin(source, options);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  const int port = *bound;

  std::vector<RawConnection> tricklers;
  std::vector<RawConnection> idle;
  for (int i = 0; i < kHeld; ++i) {
    tricklers.emplace_back(port);
    REQUIRE(tricklers.back().connected());
    REQUIRE(tricklers.back().Send("GET /readyz HTTP/1.1\r\nHost: x\r\n"));
    idle.emplace_back(port);
    REQUIRE(idle.back().connected());
  }
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread trickle([&] {
    std::unique_lock lock(mu);
    // One header byte per connection every 20 ms, never the blank line that ends the head.
    while (!cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop.load(); })) {
      for (auto& c : tricklers) c.Send("x");
    }
  });

  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < 5; ++round) {
    for (const char* path : {"/healthz", "/readyz"}) {
      const auto t0 = std::chrono::steady_clock::now();
      ParsedResponse probe = Get(port, path);
      const auto took = std::chrono::steady_clock::now() - t0;
      CHECK(probe.status == 200);
      CHECK(took < kDeadline);
    }
  }
  // An operator request with the token is served too.
  CHECK(Get(port, "/v1/subscriptions", "Authorization: Bearer admin-token-123\r\n").status == 200);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  trickle.join();
  // Every probe came before any held connection could have been let go by a deadline.
  CHECK(elapsed < std::chrono::seconds(10));
  int still_open = 0;
  for (auto& c : tricklers) still_open += c.WaitClosed(1) ? 0 : 1;
  for (auto& c : idle) still_open += c.WaitClosed(1) ? 0 : 1;
  CHECK(still_open == 2 * kHeld);
  admin.Stop();
}

TEST_CASE("a trickler is cut off at the header deadline with a 408", "[server]") {
  FakeAdminSource source;
  AdminOptions options;
  options.server.read_timeout_ms = 200;
  AdminServer admin(source, options);
  auto bound = admin.Bind("127.0.0.1", 0);
  REQUIRE(bound.ok());
  admin.Start();
  RawConnection c(*bound);
  REQUIRE(c.Send("GET /readyz HTTP/1.1\r\nHost: x\r\n"));
  ParsedResponse timed_out = Parse(c.ReadResponse());
  CHECK(timed_out.status == 408);
  CHECK(c.WaitClosed());
  admin.Stop();
}

}  // namespace
}  // namespace subkeeper::server
