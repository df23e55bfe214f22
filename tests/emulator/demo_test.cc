// The demo helpers: the app sink (/_emulator/app) and demo events (Options::demo_events_interval).
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "emulator_fixture.h"
#include "subkeeper/relay/signature.h"

namespace rcemu::testing {
namespace {

using nlohmann::json;

constexpr const char* kSms = "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS";
const std::string kSubs = "/restapi/v1.0/subscription";
// The demo signing secret (examples/demo.yaml relay.signing_secret, scripts/demo --app-secret).
constexpr const char* kDemoSecret = "whsec_ZGVtby1zaWduaW5nLWtleS1mb3ItdGhlLXNpbmshISE=";

// Routes the default logger into a string for the lifetime of the object.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

int64_t UnixSeconds(WallTime t) {
  return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
}

// A request shaped like the keeper's relay sends it, signed with `key` at `timestamp_s`.
Request RelayRequest(const std::string& key, const std::string& id, int64_t timestamp_s,
                     const std::string& body, const std::string& name = "sms") {
  Request req{"POST", "/_emulator/app/" + name, {}, body};
  req.headers = {{"Content-Type", "application/json"},
                 {"webhook-id", id},
                 {"webhook-timestamp", std::to_string(timestamp_s)},
                 {"webhook-signature", subkeeper::relay::Sign(key, id, timestamp_s, body)},
                 {"subkeeper-account", "demo"},
                 {"subkeeper-subscription", name},
                 {"subkeeper-event-kind", "event"}};
  return req;
}

TEST_CASE("app sink: records, verifies a signed request and flags bad ones", "[emulator]") {
  Options options = TestOptions();
  options.app_secret = subkeeper::Secret(kDemoSecret);
  Emulator emu(options);
  const std::string key = *subkeeper::relay::SigningKey(options.app_secret);
  const int64_t now_s = UnixSeconds(emu.clock.Now());
  const std::string body = R"({"uuid":"e-1","event":"/x","body":{}})";
  CapturedLog log;

  Request good = RelayRequest(key, "e-1", now_s, body);
  const std::string good_signature = *good.headers.Find("webhook-signature");
  Response answer = emu.platform.Handle(good, emu.clock.Now());
  CHECK(answer.status == 200);
  CHECK(answer.body == "{}");
  emu.platform.Handle(RelayRequest("another-secret", "e-2", now_s, body), emu.clock.Now());
  Request altered = RelayRequest(key, "e-3", now_s, body);
  altered.body += " ";
  emu.platform.Handle(altered, emu.clock.Now());
  // Signed correctly, but ten minutes old: outside the 300 s tolerance an app applies.
  emu.platform.Handle(RelayRequest(key, "e-4", now_s - 600, body), emu.clock.Now());
  Request unsigned_request = RelayRequest(key, "e-5", now_s, body, "presence");
  std::erase_if(unsigned_request.headers,
                [](const auto& h) { return h.first == "webhook-signature"; });
  emu.platform.Handle(unsigned_request, emu.clock.Now());

  const auto records = emu.platform.AppRecords();
  REQUIRE(records.size() == 5);
  CHECK(records[0].signature == SignatureCheck::kOk);
  CHECK(records[0].path == "/_emulator/app/sms");
  CHECK(records[0].webhook_id == "e-1");
  CHECK(records[0].webhook_timestamp == std::to_string(now_s));
  CHECK(records[0].account == "demo");
  CHECK(records[0].subscription == "sms");
  CHECK(records[0].kind == "event");
  CHECK(records[0].body_bytes == static_cast<int64_t>(body.size()));
  for (size_t i = 1; i < records.size(); ++i) {
    INFO(records[i].webhook_id);
    CHECK(records[i].signature == SignatureCheck::kBad);
  }

  const json listed = Json(emu.Control("GET", "/_emulator/app"));
  CHECK(listed["count"] == 5);
  CHECK(listed["signatures"]["ok"] == 1);
  CHECK(listed["signatures"]["BAD"] == 4);
  REQUIRE(listed["deliveries"].size() == 5);
  CHECK(listed["deliveries"][0]["webhookId"] == "e-1");
  CHECK(listed["deliveries"][0]["signature"] == "ok");
  CHECK(listed["deliveries"][4]["subscription"] == "presence");
  CHECK(listed["deliveries"][4]["signature"] == "BAD");

  const std::string text = log.Text();
  CHECK_THAT(text, Catch::Contains("webhook-id e-1 subscription demo/sms kind event"));
  CHECK_THAT(text, Catch::Contains("signature ok"));
  CHECK_THAT(text, Catch::Contains("signature BAD"));
  CHECK(text.find(good_signature.substr(3)) == std::string::npos);
  CHECK(text.find(std::string(kDemoSecret).substr(6)) == std::string::npos);
  // The sink is not an API call: it never enters the call log.
  CHECK(emu.platform.Calls().empty());

  CHECK(emu.Control("DELETE", "/_emulator/app").status == 200);
  CHECK(emu.platform.AppRecords().empty());
}

TEST_CASE("app sink: whsec_ keys, no secret, and a bounded ring", "[emulator]") {
  Options options = TestOptions();
  // "whsec_" + base64(key): decoded as the keeper decodes relay.signing_secret.
  const std::string raw = "raw-key-of-24-bytes-long";
  options.app_secret = subkeeper::Secret("whsec_" + subkeeper::Base64Encode(raw));
  Emulator whsec(options);
  const int64_t now_s = UnixSeconds(whsec.clock.Now());
  whsec.platform.Handle(RelayRequest(raw, "k-1", now_s, "{}"), whsec.clock.Now());
  CHECK(whsec.platform.AppRecords().at(0).signature == SignatureCheck::kOk);
  // Two keys in rotation: a header with both signatures passes a sink that knows either.
  Request both = RelayRequest(raw, "k-2", now_s, "{}");
  for (auto& [name, value] : both.headers) {
    if (name == "webhook-signature") {
      value = subkeeper::relay::SignAll({std::string(32, 'n'), raw}, "k-2", now_s, "{}");
    }
  }
  whsec.platform.Handle(both, whsec.clock.Now());
  CHECK(whsec.platform.AppRecords().at(1).signature == SignatureCheck::kOk);

  // A secret that is not a Standard Webhooks one is no raw key: every request fails.
  options.app_secret = subkeeper::Secret("raw-key");
  Emulator raw_secret(options);
  raw_secret.platform.Handle(RelayRequest("raw-key", "k-3", now_s, "{}"), raw_secret.clock.Now());
  CHECK(raw_secret.platform.AppRecords().at(0).signature == SignatureCheck::kBad);

  Emulator open;      // no --app-secret
  CapturedLog quiet;  // one line per request would flood the test output
  for (size_t i = 0; i < AppSink::kMaxRecords + 5; ++i) {
    open.platform.Handle(RelayRequest("whatever", "n-" + std::to_string(i), now_s, "{}"),
                         open.clock.Now());
  }
  const auto records = open.platform.AppRecords();
  REQUIRE(records.size() == AppSink::kMaxRecords);
  CHECK(records.front().webhook_id == "n-5");
  CHECK(records.front().seq == 6);
  CHECK(records.back().webhook_id == "n-204");
  CHECK(records.back().signature == SignatureCheck::kUnchecked);
  CHECK(Json(open.Control("GET", "/_emulator/app"))["deliveries"][0]["signature"] == "unchecked");
}

TEST_CASE("demo events reach active subscriptions every interval", "[emulator]") {
  Options options = TestOptions();
  options.demo_events_interval = Seconds(15);
  Emulator emu(options);
  const std::string token = emu.Token();
  const std::string presence =
      Json(emu.Create(token, {kReminder60, kPresence}, 3600, "vt-p"))["id"];
  const std::string sms = Json(emu.Create(token, {kSms, kReminder60}, 3600, "vt-s"))["id"];
  const std::string blacklisted = Json(emu.Create(token, {kPresence}, 3600))["id"];
  emu.platform.Blacklist(blacklisted, "test", emu.clock.Now());

  emu.clock.Advance(Seconds(10));
  CHECK(emu.platform.Tick(emu.clock.Now()).empty());  // not yet: 10 s < 15 s
  emu.clock.Advance(Seconds(5));
  const std::vector<Delivery> due = emu.platform.Tick(emu.clock.Now());
  REQUIRE(due.size() == 2);  // the blacklisted one gets nothing
  for (const Delivery& d : due) {
    CHECK(d.kind == DeliveryKind::kEvent);
    CHECK(emu.platform.Deliver(d, emu.clock.Now()).ok);
  }
  CHECK(emu.platform.Tick(emu.clock.Now()).empty());  // marked sent

  const auto posted = emu.hook.Notifications();
  REQUIRE(posted.size() == 2);
  std::map<std::string, json> by_sub;
  for (const auto& req : posted) {
    const json envelope = json::parse(req.body);
    by_sub[envelope["subscriptionId"].get<std::string>()] = envelope;
    const std::string vt = envelope["subscriptionId"] == presence ? "vt-p" : "vt-s";
    CHECK(*req.headers.Find("Verification-Token") == vt);
  }
  const json& p = by_sub.at(presence);
  CHECK(p["event"].get<std::string>().ends_with("/presence"));
  CHECK(p["event"].get<std::string>().find('~') == std::string::npos);
  CHECK(p["body"]["telephonyStatus"].is_string());
  CHECK(p["body"]["extensionId"] == p["ownerId"]);
  const json& s = by_sub.at(sms);
  CHECK(s["event"].get<std::string>().ends_with("/message-store/instant?type=SMS"));
  CHECK(s["body"]["type"] == "SMS");
  CHECK(s["body"]["direction"] == "Inbound");
  CHECK(s["uuid"] != p["uuid"]);

  auto deliveries = Json(emu.Control("GET", "/_emulator/deliveries"))["deliveries"];
  CHECK(deliveries.back()["kind"] == "event");
  CHECK(deliveries.back()["status"] == 200);

  // The next round comes one interval later, not before.
  emu.clock.Advance(Seconds(13));
  CHECK(emu.platform.Tick(emu.clock.Now()).empty());
  emu.clock.Advance(Seconds(2));
  CHECK(emu.platform.Tick(emu.clock.Now()).size() == 2);
}

TEST_CASE("demo events are off by default", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  REQUIRE(emu.Create(token, {kPresence}, 3600).status == 200);
  emu.clock.Advance(Seconds(600));
  CHECK(emu.platform.Tick(emu.clock.Now()).empty());
}

}  // namespace
}  // namespace rcemu::testing
