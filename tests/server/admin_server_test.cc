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

}  // namespace
}  // namespace subkeeper::server
