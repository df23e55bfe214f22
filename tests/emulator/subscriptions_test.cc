#include <catch2/catch.hpp>

#include "emulator_fixture.h"
#include "subkeeper/common/time_format.h"

namespace rcemu::testing {
namespace {

using nlohmann::json;
using subkeeper::http::HttpRequest;
using subkeeper::http::HttpResponse;

const char* kSubs = "/restapi/v1.0/subscription";

TEST_CASE("create: handshake shape, rewritten filters, defaults", "[emulator]") {
  Emulator emu;
  const auto login = emu.Login();
  const std::string token = login["access_token"];
  auto resp = emu.Create(token, {kPresence, kReminder60}, std::nullopt, "vt-123");
  REQUIRE(resp.status == 200);

  auto requests = emu.hook.Requests();
  REQUIRE(requests.size() == 1);
  const HttpRequest& hs = requests[0];
  CHECK(hs.method == "POST");
  CHECK(hs.url == "http://127.0.0.1:9/webhooks/main/sms");
  CHECK(hs.body.empty());
  REQUIRE(hs.headers.Find("Validation-Token") != nullptr);
  CHECK_FALSE(hs.headers.Find("Validation-Token")->empty());
  CHECK(*hs.headers.Find("Verification-Token") == "vt-123");
  CHECK(*hs.headers.Find("User-Agent") == "RingCentral-Webhook/8.3 (emulator)");
  CHECK(*hs.headers.Find("Content-Type") == "application/json");
  CHECK(*hs.headers.Find("Content-Length") == "0");

  auto sub = Json(resp);
  CHECK(sub["status"] == "Active");
  CHECK(sub["expiresIn"] == 604800);
  CHECK(sub["creationTime"] == subkeeper::FormatIso8601(emu.clock.Now()));
  CHECK(sub["expirationTime"] ==
        subkeeper::FormatIso8601(emu.clock.Now() + std::chrono::seconds(604800)));
  CHECK(sub["id"].get<std::string>().size() == 36);
  CHECK(sub["uri"].get<std::string>().ends_with("/restapi/v1.0/subscription/" +
                                                sub["id"].get<std::string>()));
  const std::string owner = login["owner_id"];
  const std::string filter = sub["eventFilters"][0];
  CHECK(filter.find('~') == std::string::npos);
  CHECK(filter.ends_with("/extension/" + owner + "/presence"));
  CHECK(sub["eventFilters"][1] == kReminder60);
  CHECK(sub["deliveryMode"] == json({{"transportType", "WebHook"},
                                     {"address", "http://127.0.0.1:9/webhooks/main/sms"},
                                     {"encryption", false}}));
  CHECK(resp.body.find("vt-123") == std::string::npos);
  CHECK_FALSE(sub.contains("blacklistedData"));
  CHECK_FALSE(sub.contains("disabledFilters"));
}

TEST_CASE("create: expiresIn above the maximum is clamped", "[emulator]") {
  Emulator emu;
  auto resp = emu.Create(emu.Token(), {kPresence}, 630720000);
  REQUIRE(resp.status == 200);
  CHECK(Json(resp)["expiresIn"] == 315360000);
}

TEST_CASE("create: validation errors", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  auto expect = [&](const std::string& body, int status, const std::string& code,
                    const std::string& parameter = "") {
    INFO(body);
    auto resp = emu.Call("POST", kSubs, body, token);
    CHECK(resp.status == status);
    CHECK(ErrorCode(resp) == code);
    if (!parameter.empty()) CHECK(Json(resp)["errors"][0]["parameterName"] == parameter);
  };
  const std::string r = "/restapi/v1.0/subscription/~?threshold=";
  expect(Emulator::CreateBody({kReminder60}), 400, "SUB-515");
  expect(Emulator::CreateBody({kPresence, r + "60&interval=15"}, 100), 400, "SUB-508");  // T>TTL/2
  expect(Emulator::CreateBody({kPresence, r + "60&interval=31"}), 400, "SUB-508");       // I > T/2
  expect(Emulator::CreateBody({kPresence, r + "4&interval=2"}), 400, "SUB-508");         // < job
  expect(Emulator::CreateBody({kPresence, r + "abc&interval=2"}), 400, "SUB-508");
  expect(Emulator::CreateBody({}), 400, "CMN-101", "eventFilters");
  expect(R"({"deliveryMode":{"transportType":"WebHook","address":"http://a/b"}})", 400, "CMN-101",
         "eventFilters");
  expect(Emulator::CreateBody({kPresence}, 0), 400, "CMN-101", "expiresIn");
  auto body = json::parse(Emulator::CreateBody({kPresence}));
  body["expiresIn"] = "3600";
  expect(body.dump(), 400, "CMN-101", "expiresIn");
  body["expiresIn"] = 1.5;
  expect(body.dump(), 400, "CMN-101", "expiresIn");
  body.erase("expiresIn");
  body["deliveryMode"]["transportType"] = "PubNub";
  expect(body.dump(), 400, "CMN-101", "deliveryMode.transportType");
  body["deliveryMode"]["transportType"] = "WebHook";
  body["deliveryMode"]["address"] = "ftp://example.com/x";
  expect(body.dump(), 400, "CMN-101", "deliveryMode.address");
  expect("{not json", 400, "CMN-103");
  CHECK(emu.hook.Requests().empty());  // no handshake for an invalid request
}

TEST_CASE("create: the 31st subscription of a user gets SUB-505", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  for (int i = 0; i < 30; ++i) REQUIRE(emu.Create(token, {kPresence}).status == 200);
  auto resp = emu.Create(token, {kPresence});
  CHECK(resp.status == 403);
  CHECK(ErrorCode(resp) == "SUB-505");
  CHECK(emu.Create(emu.Token("jwt-bob"), {kPresence}).status == 200);  // limit is per user
}

TEST_CASE("create: handshake failures map to the documented errors", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  auto expect = [&](FakeSubscriber::Handler handler, const std::string& code,
                    const std::string& message_part) {
    emu.hook.SetHandler(std::move(handler));
    auto resp = emu.Create(token, {kPresence});
    CHECK(resp.status == 400);
    CHECK(ErrorCode(resp) == code);
    CHECK(Json(resp)["message"].get<std::string>().find(message_part) != std::string::npos);
  };
  expect(
      [](const HttpRequest&) -> subkeeper::Result<HttpResponse> {
        return subkeeper::Status::Unavailable("connection refused");
      },
      "CMN-101", "deliveryMode.address");
  expect(
      [&emu](const HttpRequest& req) {
        emu.clock.Advance(std::chrono::milliseconds(3001));  // answered, but too late
        return EchoHandshake(req);
      },
      "CMN-101", "deliveryMode.address");
  expect(
      [](const HttpRequest& req) {
        auto resp = EchoHandshake(req);
        resp->status = 500;
        return resp;
      },
      "SUB-522", "HTTP status is 500");
  expect(
      [](const HttpRequest&) {
        HttpResponse resp;
        resp.status = 200;
        resp.headers.emplace_back("Content-Type", "application/json");
        return subkeeper::Result<HttpResponse>(resp);
      },
      "SUB-520", "Validation Token is not returned");
  expect(
      [](const HttpRequest& req) {
        auto resp = EchoHandshake(req);
        resp->body = std::string(1000, 'x');
        return resp;
      },
      "SUB-525", "response is invalid");
  expect(
      [](const HttpRequest& req) {
        auto resp = EchoHandshake(req);
        resp->headers[0].second = "text/plain";
        return resp;
      },
      "SUB-525", "response is invalid");
  CHECK(emu.platform.Subscriptions().empty());
  auto deliveries = emu.platform.Deliveries();
  REQUIRE(deliveries.size() == 6);
  CHECK(deliveries[2].kind == DeliveryKind::kValidation);
  CHECK(deliveries[2].status == 500);
  // A response of exactly 1024 bytes is still accepted.
  emu.hook.SetHandler([](const HttpRequest& req) {
    auto resp = EchoHandshake(req);
    resp->body = std::string(static_cast<size_t>(1024 - ResponseBytes(*resp)), ' ');
    return resp;
  });
  CHECK(emu.Create(token, {kPresence}).status == 200);
}

TEST_CASE("renew keeps the TTL; PUT updates filters and renews", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}, 3600))["id"];
  emu.clock.Advance(std::chrono::seconds(1000));
  auto renewed = emu.Call("POST", std::string(kSubs) + "/" + id + "/renew", "", token);
  REQUIRE(renewed.status == 200);
  CHECK(Json(renewed)["expiresIn"] == 3600);
  CHECK(Json(renewed)["expirationTime"] ==
        subkeeper::FormatIso8601(emu.clock.Now() + std::chrono::seconds(3600)));

  emu.clock.Advance(std::chrono::seconds(100));
  const json update = {
      {"eventFilters", {"/restapi/v1.0/account/~/telephony/sessions", kReminder60}},
      {"expiresIn", 7200}};
  auto put = emu.Call("PUT", std::string(kSubs) + "/" + id, update.dump(), token);
  REQUIRE(put.status == 200);
  CHECK(Json(put)["eventFilters"].size() == 2);
  CHECK(Json(put)["eventFilters"][1] == kReminder60);
  CHECK(Json(put)["expiresIn"] == 7200);
  emu.clock.Advance(std::chrono::seconds(100));
  auto empty_put = emu.Call("PUT", std::string(kSubs) + "/" + id, "", token);
  CHECK(Json(empty_put)["expiresIn"] == 7200);
  auto bad_put = emu.Call("PUT", std::string(kSubs) + "/" + id, R"({"expiresIn":60})", token);
  CHECK(ErrorCode(bad_put) == "CMN-101");
  CHECK(emu.Call("PUT", std::string(kSubs) + "/" + id,
                 json({{"eventFilters", {kReminder60}}}).dump(), token)
            .status == 400);
}

TEST_CASE("delete answers 204, then the id is 404 CMN-102", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}))["id"];
  CHECK(emu.Call("GET", std::string(kSubs) + "/" + id, "", token).status == 200);
  CHECK(emu.Call("GET", std::string(kSubs) + "/" + id, "", emu.Token("jwt-bob")).status == 404);
  CHECK(emu.Call("DELETE", std::string(kSubs) + "/" + id, "", token).status == 204);
  for (const auto& [method, suffix] : {std::pair{"GET", ""}, {"DELETE", ""}, {"POST", "/renew"}}) {
    auto resp = emu.Call(method, std::string(kSubs) + "/" + id + suffix, "", token);
    CHECK(resp.status == 404);
    CHECK(ErrorCode(resp) == "CMN-102");
  }
  CHECK(Json(emu.Call("GET", kSubs, "", token))["records"].empty());
}

TEST_CASE("list returns only the caller's subscriptions", "[emulator]") {
  Emulator emu;
  const std::string alice = emu.Token("jwt-alice");
  const std::string bob = emu.Token("jwt-bob");
  REQUIRE(emu.Create(alice, {kPresence}).status == 200);
  REQUIRE(emu.Create(alice, {kPresence}).status == 200);
  REQUIRE(emu.Create(bob, {kPresence}).status == 200);
  auto list = Json(emu.Call("GET", kSubs, "", alice));
  CHECK(list["records"].size() == 2);
  CHECK(list["uri"].get<std::string>().ends_with("/restapi/v1.0/subscription"));
}

}  // namespace
}  // namespace rcemu::testing
