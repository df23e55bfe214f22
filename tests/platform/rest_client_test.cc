#include "subkeeper/platform/rest_client.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "platform/platform_test_util.h"

namespace subkeeper::platform {
namespace {

using http::HttpRequest;

using std::chrono::seconds;
using testing::FakeTransport;
using namespace test;  // NOLINT: test helpers

struct Fixture {
  Fixture() { Route(transport, router); }
  std::vector<HttpRequest> Api() const {
    std::vector<HttpRequest> out;
    for (auto& r : transport.Requests()) {
      if (r.url.find(kTokenPath) == std::string::npos) out.push_back(r);
    }
    return out;
  }
  size_t TokenRequests() const { return transport.RequestsTo(kTokenPath).size(); }

  ManualClock clock;
  Router router;
  FakeTransport transport;
  RestClient client{Options(), Accounts(), transport, clock};
};

CreateRequest SampleCreate() {
  CreateRequest request;
  request.event_filters = {"/restapi/v1.0/account/~/extension/~/presence",
                           "/restapi/v1.0/subscription/~?threshold=86400&interval=3600"};
  request.expires_in_s = 604800;
  request.address = "https://hooks.example.com/webhooks/main/sms";
  return request;
}

TEST_CASE("Create sends expiresIn at the top level", "[platform]") {
  Fixture f;
  CreateRequest request = SampleCreate();
  request.verification_token = Secret("vt-123");
  Result<RemoteSubscription> created = f.client.Create("main", request);
  REQUIRE(created.ok());
  CHECK(created->id == "sub-1");
  auto api = f.Api();
  REQUIRE(api.size() == 1);
  CHECK(api[0].method == "POST");
  CHECK(api[0].url == "https://platform.test/restapi/v1.0/subscription");
  CHECK(api[0].timeout == std::chrono::milliseconds(1234));
  CHECK(*api[0].headers.Find("Authorization") == "Bearer access-1");
  CHECK(*api[0].headers.Find("Accept") == "application/json");
  CHECK(*api[0].headers.Find("Content-Type") == "application/json");
  nlohmann::json body = nlohmann::json::parse(api[0].body);
  CHECK(body["expiresIn"] == 604800);
  CHECK(body["eventFilters"] == nlohmann::json(request.event_filters));
  CHECK(body["deliveryMode"]["transportType"] == "WebHook");
  CHECK(body["deliveryMode"]["address"] == request.address);
  CHECK(body["deliveryMode"]["verificationToken"] == "vt-123");
  CHECK_FALSE(body["deliveryMode"].contains("expiresIn"));
}

TEST_CASE("Create omits an empty verification token", "[platform]") {
  Fixture f;
  REQUIRE(f.client.Create("main", SampleCreate()).ok());
  nlohmann::json body = nlohmann::json::parse(f.Api().at(0).body);
  CHECK_FALSE(body["deliveryMode"].contains("verificationToken"));
  CHECK(body["expiresIn"] == 604800);
}

TEST_CASE("Update, renew, get, list and delete use the documented requests", "[platform]") {
  Fixture f;
  UpdateRequest update{{"/restapi/v1.0/account/~/extension/~/presence"}, 3600};
  REQUIRE(f.client.Update("main", "a/b c", update).ok());
  REQUIRE(f.client.Update("main", "id-2", UpdateRequest{{"/x"}, std::nullopt}).ok());
  REQUIRE(f.client.Renew("main", "id-3").ok());
  REQUIRE(f.client.Get("main", "id-4").ok());
  Result<std::vector<RemoteSubscription>> listed = f.client.List("main");
  REQUIRE(listed.ok());
  CHECK(listed->size() == 1);
  CHECK(f.client.Delete("main", "id-5").ok());
  auto api = f.Api();
  REQUIRE(api.size() == 6);
  CHECK(api[0].method == "PUT");
  CHECK(api[0].url == "https://platform.test/restapi/v1.0/subscription/a%2Fb%20c");
  CHECK(nlohmann::json::parse(api[0].body) ==
        nlohmann::json::parse(R"({"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],
                                  "expiresIn":3600})"));
  CHECK_FALSE(nlohmann::json::parse(api[1].body).contains("expiresIn"));
  CHECK(api[2].method == "POST");
  CHECK(api[2].url == "https://platform.test/restapi/v1.0/subscription/id-3/renew");
  CHECK(api[2].body.empty());
  CHECK(api[3].method == "GET");
  CHECK(api[3].url == "https://platform.test/restapi/v1.0/subscription/id-4");
  CHECK(api[4].method == "GET");
  CHECK(api[4].url == "https://platform.test/restapi/v1.0/subscription");
  CHECK(api[5].method == "DELETE");
  CHECK(api[5].url == "https://platform.test/restapi/v1.0/subscription/id-5");
  CHECK(f.TokenRequests() == 1);  // one login shared by every call
}

TEST_CASE("N calls need exactly one token request", "[platform]") {
  Fixture f;
  for (int i = 0; i < 20; ++i) REQUIRE(f.client.Renew("main", "id").ok());
  CHECK(f.TokenRequests() == 1);
  for (const auto& r : f.Api()) CHECK(*r.headers.Find("Authorization") == "Bearer access-1");
}

TEST_CASE("The client refreshes proactively with the refresh grant", "[platform]") {
  Fixture f;
  REQUIRE(f.client.Get("main", "id").ok());
  f.clock.Advance(seconds(3300));
  REQUIRE(f.client.Get("main", "id").ok());
  auto tokens = f.transport.RequestsTo(kTokenPath);
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[1].body == "grant_type=refresh_token&refresh_token=refresh-1");
  CHECK(*f.Api().back().headers.Find("Authorization") == "Bearer access-2");
}

TEST_CASE("A 401 refreshes the token and retries exactly once", "[platform]") {
  Fixture f;
  REQUIRE(f.client.Get("main", "id").ok());
  f.transport.Push(401, R"({"errors":[{"errorCode":"OAU-128","message":"Access token expired"}]})");
  REQUIRE(f.client.Renew("main", "id").ok());
  auto api = f.Api();
  REQUIRE(api.size() == 3);
  CHECK(*api[1].headers.Find("Authorization") == "Bearer access-1");
  CHECK(*api[2].headers.Find("Authorization") == "Bearer access-2");
  CHECK(f.TokenRequests() == 2);

  // Twice in a row: reported, not retried again.
  const std::string expired =
      R"({"errors":[{"errorCode":"OAU-128","message":"Access token expired"}]})";
  f.transport.Push(401, expired);
  f.transport.Push(200, TokenJson("access-x", 3600));
  f.transport.Push(401, expired);
  Result<RemoteSubscription> failed = f.client.Renew("main", "id");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kUnauthenticated);
  CHECK(failed.status().api_code() == "OAU-128");
  CHECK(f.Api().size() == 5);
  CHECK_FALSE(LeaksSecret(failed.status()));
}

TEST_CASE("Platform errors are mapped", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600));
  f.transport.Push(404, R"({"errors":[{"errorCode":"CMN-102",)"
                        R"("message":"Resource for parameter [subscriptionId] is not found"}]})");
  Result<RemoteSubscription> gone = f.client.Renew("main", "id");
  CHECK(gone.status().code() == StatusCode::kNotFound);
  CHECK(gone.status().api_code() == "CMN-102");
  CHECK(gone.status().http_status() == 404);

  f.transport.Push(404, "");
  CHECK(f.client.Delete("main", "id").code() == StatusCode::kNotFound);
  f.transport.PushError(Status::DeadlineExceeded("POST /restapi/v1.0/subscription: timed out"));
  Result<RemoteSubscription> slow = f.client.Create("main", SampleCreate());
  CHECK(slow.status().code() == StatusCode::kDeadlineExceeded);
  f.transport.Push(200, "{}");
  CHECK(f.client.Get("main", "id").status().code() == StatusCode::kInternal);
  CHECK(f.client.Get("nobody", "id").status().code() == StatusCode::kNotFound);
  for (const Status& s : {gone.status(), slow.status()}) CHECK_FALSE(LeaksSecret(s));
}

TEST_CASE("After a 429 the group is refused locally until Retry-After has passed", "[platform]") {
  Fixture f;
  REQUIRE(f.client.Get("main", "id").ok());
  f.transport.Push(429, R"({"errors":[{"errorCode":"CMN-301","message":"Request rate exceeded"}]})",
                   {{"Retry-After", "40"}});
  Result<RemoteSubscription> limited = f.client.Renew("main", "id");
  CHECK(limited.status().code() == StatusCode::kResourceExhausted);
  CHECK(limited.status().retry_after() == seconds(40));
  const size_t sent = f.transport.RequestCount();

  f.clock.Advance(seconds(39));
  Result<std::vector<RemoteSubscription>> refused = f.client.List("main");
  CHECK(refused.status().code() == StatusCode::kResourceExhausted);
  CHECK(refused.status().retry_after() == seconds(1));
  CHECK(f.client.Get("main", "id").status().code() == StatusCode::kResourceExhausted);
  CHECK(f.transport.RequestCount() == sent);  // nothing sent inside the penalty

  CHECK(f.client.Create("main", SampleCreate()).ok());  // Medium is not affected
  CHECK(f.transport.RequestCount() == sent + 1);

  f.clock.Advance(seconds(1));
  CHECK(f.client.Renew("main", "id").ok());
}

TEST_CASE("Remaining: 0 holds the group until the window passes", "[platform]") {
  Fixture f;
  f.transport.Push(200, TokenJson("access-1", 3600));
  f.transport.Push(200, SubscriptionJson("id"),
                   {{"X-Rate-Limit-Group", "light"},
                    {"X-Rate-Limit-Limit", "50"},
                    {"X-Rate-Limit-Remaining", "0"},
                    {"X-Rate-Limit-Window", "60"}});
  REQUIRE(f.client.Get("main", "id").ok());
  const size_t sent = f.transport.RequestCount();
  Result<RemoteSubscription> held = f.client.Renew("main", "id");
  CHECK(held.status().code() == StatusCode::kResourceExhausted);
  CHECK(held.status().retry_after() == seconds(60));
  CHECK(f.transport.RequestCount() == sent);
  bool found = false;
  for (const auto& snapshot : f.client.RateLimits()) {
    if (snapshot.account == "main" && snapshot.group == RateGroup::kLight) {
      found = true;
      CHECK(snapshot.remaining == 0);
    }
  }
  CHECK(found);
  f.clock.Advance(seconds(60));
  CHECK(f.client.Renew("main", "id").ok());
}

TEST_CASE("A failed token fetch does not use up a request of the call's group", "[platform]") {
  Fixture f;
  for (int i = 0; i < 3; ++i) f.transport.Push(503, "");
  for (int i = 0; i < 3; ++i) {
    CHECK(f.client.Get("main", "id").status().code() == StatusCode::kUnavailable);
  }
  REQUIRE(f.client.Get("main", "id").ok());
  int light_remaining = -1;
  for (const auto& snapshot : f.client.RateLimits()) {
    if (snapshot.group == RateGroup::kLight) light_remaining = snapshot.remaining;
  }
  CHECK(light_remaining == 49);  // only the call that was sent
}

TEST_CASE("A restarted client sends nothing in a persisted penalty", "[platform]") {
  ManualClock clock;
  Router router;
  FakeTransport transport;
  Route(transport, router);
  MemoryAccountState state;
  auto client = std::make_unique<RestClient>(Options(), Accounts(), transport, clock, &state);
  REQUIRE(client->Get("main", "id").ok());
  transport.Push(429, "", {{"Retry-After", "40"}});
  CHECK(client->Renew("main", "id").status().code() == StatusCode::kResourceExhausted);
  const size_t sent = transport.RequestCount();

  clock.Advance(seconds(10));
  client = std::make_unique<RestClient>(Options(), Accounts(), transport, clock, &state);
  Result<RemoteSubscription> held = client->Renew("main", "id");
  CHECK(held.status().code() == StatusCode::kResourceExhausted);
  CHECK(held.status().retry_after() == seconds(30));
  CHECK(transport.RequestCount() == sent);  // neither a token request nor the call
  clock.Advance(seconds(30));
  CHECK(client->Renew("main", "id").ok());
  CHECK(transport.RequestCount() == sent + 1);  // the persisted token is reused
}

}  // namespace
}  // namespace subkeeper::platform
