#include <catch2/catch.hpp>
#include <mutex>
#include <string>
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
    std::lock_guard lock(mu_);
    return readiness_;
  }
  std::string SubscriptionsJson() override { return R"({"subscriptions":[{"name":"sms"}]})"; }
  void Set(Readiness r) {
    std::lock_guard lock(mu_);
    readiness_ = std::move(r);
  }

 private:
  std::mutex mu_;
  Readiness readiness_{true, {}, 0, ""};  // guarded by mu_
};

ParsedResponse Get(int port, const std::string& path) {
  RawConnection c(port);
  REQUIRE(c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
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

}  // namespace
}  // namespace subkeeper::server
