// Rate limits, injected faults and the /_emulator control API.
#include <catch2/catch.hpp>

#include "emulator_fixture.h"

namespace rcemu::testing {
namespace {

using nlohmann::json;

const std::string kSubs = "/restapi/v1.0/subscription";

TEST_CASE("rate limit: headers, 429, and the penalty restarted by a request", "[emulator]") {
  Options options = TestOptions();
  options.rate_limits.light = 3;
  Emulator emu(options);
  const std::string token = emu.Token();
  for (int i = 0; i < 3; ++i) {
    auto ok = emu.Call("GET", kSubs, "", token);
    REQUIRE(ok.status == 200);
    CHECK(*ok.headers.Find("X-Rate-Limit-Group") == "light");
    CHECK(*ok.headers.Find("X-Rate-Limit-Limit") == "3");
    CHECK(*ok.headers.Find("X-Rate-Limit-Remaining") == std::to_string(2 - i));
    CHECK(*ok.headers.Find("X-Rate-Limit-Window") == "60");
  }
  auto limited = emu.Call("GET", kSubs, "", token);
  CHECK(limited.status == 429);
  CHECK(ErrorCode(limited) == "CMN-301");
  CHECK(*limited.headers.Find("Retry-After") == "60");
  CHECK(emu.Create(token, {kPresence}).status == 200);  // Medium is a separate budget
  emu.clock.Advance(std::chrono::seconds(30));
  CHECK(emu.Call("GET", kSubs, "", token).status == 429);  // restarts the penalty
  emu.clock.Advance(std::chrono::seconds(59));
  CHECK(emu.Call("GET", kSubs, "", token).status == 429);  // still inside the restarted one
  emu.clock.Advance(std::chrono::seconds(60));
  CHECK(emu.Call("GET", kSubs, "", token).status == 200);

  auto calls = Json(emu.Control("GET", "/_emulator/calls"))["calls"];
  std::vector<bool> penalty;
  for (const auto& c : calls) {
    if (c["group"] == "light") penalty.push_back(c["inPenalty"].get<bool>());
  }
  CHECK(penalty == std::vector<bool>{false, false, false, false, true, true, false});
  CHECK(calls[0]["path"] == "/restapi/oauth/token");
  CHECK(calls[0]["group"] == "auth");
  CHECK_FALSE(calls[0]["user"].get<std::string>().empty());
}

TEST_CASE("auth group limits token calls per JWT user", "[emulator]") {
  Emulator emu;
  for (int i = 0; i < 5; ++i) emu.Login("jwt-alice");
  auto resp =
      emu.TokenCall("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=jwt-alice");
  CHECK(resp.status == 429);
  CHECK(*resp.headers.Find("X-Rate-Limit-Group") == "auth");
  CHECK(emu.Login("jwt-bob").contains("access_token"));
}

TEST_CASE("faults are consumed after N matching calls", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  REQUIRE(
      emu.Control(
             "POST", "/_emulator/faults",
             R"({"kind":"status","count":2,"method":"get","pathPrefix":"/restapi/v1.0/subscription"})")
          .status == 200);
  CHECK(emu.Create(token, {kPresence}).status == 200);  // POST does not match
  auto first = emu.Call("GET", kSubs, "", token);
  CHECK(first.status == 503);
  CHECK(Json(first)["errorCode"] == "ServiceUnavailable");
  CHECK(emu.Call("GET", kSubs, "", token).status == 503);
  CHECK(emu.Call("GET", kSubs, "", token).status == 200);

  emu.Control("POST", "/_emulator/faults", R"({"kind":"drop","pathPrefix":"/restapi/oauth"})");
  auto dropped =
      emu.TokenCall("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=x");
  CHECK(dropped.drop);
  emu.Control("POST", "/_emulator/faults", R"({"kind":"latency","latencyMs":1500})");
  auto slow = emu.Call("GET", kSubs, "", token);
  CHECK(slow.status == 200);
  CHECK(slow.delay == std::chrono::milliseconds(1500));
  emu.Control("POST", "/_emulator/faults", R"({"kind":"rate_limit","retryAfter":20})");
  auto limited = emu.Call("GET", kSubs, "", token);
  CHECK(limited.status == 429);
  CHECK(*limited.headers.Find("Retry-After") == "20");
  emu.clock.Advance(std::chrono::seconds(10));
  CHECK(emu.Call("GET", kSubs, "", token).status == 429);  // the penalty is real
  auto calls = emu.platform.Calls();
  CHECK(calls.back().in_penalty);

  emu.Control("POST", "/_emulator/faults", R"({"kind":"status","count":5,"status":500})");
  CHECK(emu.Control("DELETE", "/_emulator/faults").status == 200);
  CHECK(emu.Call("GET", kSubs, "", emu.Token("jwt-carol")).status == 200);
  CHECK(emu.Control("POST", "/_emulator/faults", R"({"kind":"bogus"})").status == 400);
}

TEST_CASE("control API: list, blacklist, disable-filter, notify, purge, logs", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence, kReminder60}, 3600, "vt"))["id"];
  CHECK(Json(emu.Control("GET", "/_emulator/health"))["status"] == "ok");
  auto list = Json(emu.Control("GET", "/_emulator/subscriptions"))["records"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == id);
  CHECK(list[0]["verificationTokenSet"] == true);
  CHECK(list[0]["failures"] == 0);
  CHECK_FALSE(list[0]["ownerId"].get<std::string>().empty());

  auto notified = Json(emu.Control("POST", "/_emulator/subscriptions/" + id + "/notify",
                                   R"({"body":{"x":1},"uuid":"u-1"})"));
  CHECK(notified["uuid"] == "u-1");
  CHECK(notified["status"] == 200);
  auto posted = json::parse(emu.hook.Notifications().back().body);
  CHECK(posted["event"].get<std::string>().ends_with("/presence"));
  CHECK(posted["event"].get<std::string>().find('~') == std::string::npos);
  CHECK(posted["body"]["x"] == 1);

  emu.Control("POST", "/_emulator/subscriptions/" + id + "/disable-filter",
              json({{"filter", kPresence}, {"reason", "Permission"}}).dump());
  auto sub = Json(emu.Call("GET", kSubs + "/" + id, "", token));
  CHECK(sub["disabledFilters"][0]["filter"] == kPresence);
  CHECK(sub["disabledFilters"][0]["reason"] == "Permission");
  emu.Control("POST", "/_emulator/subscriptions/" + id + "/blacklist", "{}");
  CHECK(Json(emu.Call("GET", kSubs + "/" + id, "", token))["status"] == "Blacklisted");
  CHECK(emu.Control("POST", "/_emulator/subscriptions/" + id + "/purge").status == 200);
  CHECK(emu.Call("GET", kSubs + "/" + id, "", token).status == 404);
  CHECK(emu.Control("POST", "/_emulator/subscriptions/nope/purge").status == 404);

  auto deliveries = Json(emu.Control("GET", "/_emulator/deliveries"))["deliveries"];
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0]["kind"] == "validation");
  CHECK(deliveries[1]["kind"] == "event");
  CHECK(deliveries[1]["uuid"] == "u-1");
  const json logged = Json(emu.Control("GET", "/_emulator/calls"))["calls"];
  for (const auto& c : logged) {
    CHECK_FALSE(c["path"].get<std::string>().starts_with("/_emulator"));
  }
  emu.Control("DELETE", "/_emulator/calls");
  emu.Control("DELETE", "/_emulator/deliveries");
  CHECK(emu.platform.Calls().empty());
  CHECK(emu.platform.Deliveries().empty());

  auto settings = Json(emu.Control("POST", "/_emulator/settings",
                                   R"({"blacklistAfter":7,"reminderJobIntervalS":2})"));
  CHECK(settings["blacklistAfter"] == 7);
  CHECK(settings["reminderJobIntervalS"] == 2);
  CHECK(settings["remindersEnabled"] == true);
  CHECK(emu.platform.GetSettings().reminder_job_interval == std::chrono::seconds(2));
}

}  // namespace
}  // namespace rcemu::testing
