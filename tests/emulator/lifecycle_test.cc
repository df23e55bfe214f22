// Expiry, reminders and blacklisting, driven by Tick() on a ManualClock.
#include <catch2/catch.hpp>

#include "emulator_fixture.h"

namespace rcemu::testing {
namespace {

using nlohmann::json;
using subkeeper::http::HttpRequest;
using subkeeper::http::HttpResponse;

const std::string kSubs = "/restapi/v1.0/subscription";

// Runs the job every 5 s for `seconds`, delivering what it returns; returns the reminders sent.
std::vector<Delivery> RunJob(Emulator& emu, int seconds) {
  std::vector<Delivery> sent;
  for (int t = 0; t < seconds; t += 5) {
    emu.clock.Advance(std::chrono::seconds(5));
    for (const Delivery& d : emu.platform.Tick(emu.clock.Now())) {
      emu.platform.Deliver(d, emu.clock.Now());
      sent.push_back(d);
    }
  }
  return sent;
}

TEST_CASE("expired subscriptions are purged by the job", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}, 100))["id"];
  emu.clock.Advance(std::chrono::seconds(99));
  emu.platform.Tick(emu.clock.Now());
  CHECK(emu.platform.Subscriptions().size() == 1);
  emu.clock.Advance(std::chrono::seconds(1));
  emu.platform.Tick(emu.clock.Now());
  CHECK(emu.platform.Subscriptions().empty());
  auto renew = emu.Call("POST", kSubs + "/" + id + "/renew", "", token);
  CHECK(renew.status == 404);
  CHECK(ErrorCode(renew) == "CMN-102");
}

TEST_CASE("an expired subscription cannot be renewed before the job ran", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}, 100))["id"];
  emu.clock.Advance(std::chrono::seconds(100));
  CHECK(emu.Call("POST", kSubs + "/" + id + "/renew", "", token).status == 404);
}

TEST_CASE("reminders only in the threshold window, every interval, reset by renew", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  auto created = Json(emu.Create(token, {kPresence, kReminder60}, 180, "vt-1"));
  const std::string id = created["id"];
  // Window opens at 120 s (threshold 60 of TTL 180).
  CHECK(RunJob(emu, 115).empty());
  auto sent = RunJob(emu, 30);  // t = 120 .. 145
  REQUIRE(sent.size() == 2);    // at 120 and 135
  CHECK(sent[0].kind == DeliveryKind::kReminder);
  CHECK(sent[0].event == kReminder60);
  auto envelope = json::parse(sent[0].body);
  CHECK(envelope["event"] == kReminder60);
  CHECK(envelope["subscriptionId"] == id);
  CHECK(envelope["body"]["expiresIn"] == 60);
  CHECK(envelope["ownerId"].get<std::string>().size() > 0);
  CHECK(envelope.contains("uuid"));
  CHECK(envelope.contains("timestamp"));
  auto posted = emu.hook.Notifications();
  REQUIRE(posted.size() == 2);
  CHECK(*posted[0].headers.Find("Verification-Token") == "vt-1");
  CHECK(*posted[0].headers.Find("Content-Type") == "application/json; charset=UTF-8");

  REQUIRE(emu.Call("POST", kSubs + "/" + id + "/renew", "", token).status == 200);
  CHECK(RunJob(emu, 115).empty());  // out of the window again after the renew
  CHECK(RunJob(emu, 5).size() == 1);

  REQUIRE(emu.Control("POST", "/_emulator/settings", R"({"remindersEnabled":false})").status ==
          200);
  CHECK(RunJob(emu, 30).empty());
}

TEST_CASE("failing deliveries blacklist; renew keeps it blacklisted", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}))["id"];
  int status = 503;
  emu.hook.SetHandler([&status](const HttpRequest&) {
    HttpResponse resp;
    resp.status = status;
    return subkeeper::Result<HttpResponse>(resp);
  });
  auto notify = [&] { return emu.platform.Notify(id, {}, {}, {}, emu.clock.Now()); };
  // A success in between resets the counter.
  CHECK_FALSE(notify()->ok);
  CHECK_FALSE(notify()->ok);
  status = 200;
  CHECK(notify()->ok);
  status = 503;
  CHECK_FALSE(notify()->ok);
  CHECK_FALSE(notify()->ok);
  CHECK(emu.platform.Subscriptions()[0].status == "Active");
  CHECK(emu.platform.Subscriptions()[0].failures == 2);
  CHECK(notify()->status == 503);
  auto sub = Json(emu.Call("GET", kSubs + "/" + id, "", token));
  CHECK(sub["status"] == "Blacklisted");
  CHECK(sub["blacklistedData"]["reason"] ==
        "Webhook responses with code: [503], reason: [Service Unavailable]");
  CHECK(sub["blacklistedData"].contains("blacklistedAt"));

  const size_t before = emu.hook.Requests().size();
  CHECK_FALSE(notify().ok());  // no more deliveries
  CHECK(emu.hook.Requests().size() == before);
  auto renewed = emu.Call("POST", kSubs + "/" + id + "/renew", "", token);
  CHECK(renewed.status == 200);
  CHECK(Json(renewed)["status"] == "Blacklisted");
  CHECK(Json(emu.Call("PUT", kSubs + "/" + id, "", token))["status"] == "Blacklisted");
}

TEST_CASE("timeouts count as failures with the I/O reason", "[emulator]") {
  Options options = TestOptions();
  options.blacklist_after = 1;
  Emulator emu(options);
  const std::string token = emu.Token();
  const std::string id = Json(emu.Create(token, {kPresence}))["id"];
  emu.hook.SetHandler([](const HttpRequest&) -> subkeeper::Result<HttpResponse> {
    return subkeeper::Status::DeadlineExceeded("timeout");
  });
  auto outcome = emu.platform.Notify(id, {}, {}, {}, emu.clock.Now());
  REQUIRE(outcome.ok());
  CHECK(outcome->status == 0);
  CHECK(outcome->error == "Read timed out");
  auto snap = emu.platform.Subscriptions().at(0);
  CHECK(snap.status == "Blacklisted");
  CHECK(snap.blacklist_reason == "I/O operation is failed. Details: [Read timed out]");
}

}  // namespace
}  // namespace rcemu::testing
