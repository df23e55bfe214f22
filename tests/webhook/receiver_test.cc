#include "subkeeper/webhook/receiver.h"

#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "subkeeper/subscription/token.h"
#include "webhook/fake_sink.h"

namespace subkeeper::webhook {
namespace {

using store::InsertOutcome;
using testing::FakeSink;

constexpr const char* kReminderFilter = "/restapi/v1.0/subscription/~?threshold=60&interval=15";
std::shared_ptr<const std::string> Filter() {
  return std::make_shared<const std::string>(kReminderFilter);
}
constexpr const char* kPath = "/webhooks/main/sms";

std::string Envelope(const std::string& uuid, const std::string& event,
                     const std::string& subscription_id) {
  return R"({"uuid":")" + uuid + R"(","event":")" + event + R"(","subscriptionId":")" +
         subscription_id + R"(","body":{"n":1}})";
}

struct Fixture {
  explicit Fixture(bool relayed = true) {
    Route route{subscription::DeriveVerificationToken(Secret("s3cret"), "main", "sms"), Filter(),
                "sub-1"};
    route.relayed = relayed;
    routes.Publish({{"main/sms", route}});
  }
  WebhookResponse Post(std::string_view path, const std::string& body, const std::string& token) {
    http::Headers headers{{"content-type", "application/json"}};
    if (!token.empty()) headers.emplace_back("verification-token", token);
    return receiver.HandleNotification(path, headers, body);
  }
  std::string Token() const { return routes.Find("main/sms")->verification_token.Reveal(); }

  RouteTable routes;
  FakeSink sink;
  ManualClock clock;
  std::vector<std::tuple<std::string, std::string, std::string>> reminders;
  WebhookReceiver receiver{routes, sink,
                           [this](const std::string& a, const std::string& n,
                                  const std::string& id) { reminders.emplace_back(a, n, id); },
                           clock, ReceiverOptions{256, std::chrono::milliseconds(1500)}};
};

const std::string* Find(const WebhookResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

TEST_CASE("rejected notifications get their status, a JSON reason, and are not committed",
          "[webhook]") {
  Fixture f;
  const std::string good =
      Envelope("u1", "/restapi/v1.0/account/~/extension/~/message-store", "sub-1");
  const std::string token = f.Token();
  const std::string wrong = std::string(token.size(), '0');
  const std::string big = Envelope(std::string(300, 'u'), "e", "sub-1");
  const auto [path, body, tok, status] =
      GENERATE_COPY(table<std::string, std::string, std::string, int>({
          {"/webhooks/main/other", good, token, 404},
          {"/webhooks/other/sms", good, token, 404},
          {"/webhooks/main", good, token, 404},
          {"/webhooks/main/sms/extra", good, token, 404},
          {"/webhooks/main/sms/", good, token, 404},
          {"/somewhere/main/sms", good, token, 404},
          {kPath, good, "", 403},
          {kPath, good, wrong, 403},
          {kPath, good, token.substr(0, 31), 403},
          {kPath, big, token, 413},
          {kPath, "not json", token, 400},
          {kPath, R"({"event":"e","subscriptionId":"s"})", token, 400},
          {kPath, "[]", token, 400},
      }));
  CAPTURE(path, body, status);
  WebhookResponse r = f.Post(path, body, tok);
  CHECK(r.status == status);
  REQUIRE(Find(r, "Content-Type") != nullptr);
  CHECK(*Find(r, "Content-Type") == "application/json");
  CHECK(r.body.starts_with(R"({"error":")"));
  CHECK(r.body.find(token) == std::string::npos);
  CHECK(f.sink.calls().empty());
  CHECK(f.reminders.empty());
}

// The uuid becomes the relayed webhook-id header: a CR/LF one (JSON-escaped in the body, with a
// valid token) would smuggle headers or a second request into the app, a NUL or long one would
// be refused by the app and hold the subscription's later events.
TEST_CASE("a notification whose uuid the relay cannot send is refused 400 and not committed",
          "[webhook]") {
  Fixture f;
  const std::string uuid = GENERATE(std::string("u1\\r\\nX-Injected: 1"), std::string("u1\\u0000"),
                                    std::string(129, 'u'), std::string("u 1"));
  CAPTURE(uuid);
  WebhookResponse r = f.Post(kPath, Envelope(uuid, "e", "sub-1"), f.Token());
  CHECK(r.status == 400);
  CHECK(r.body == R"({"error":"invalid uuid: expected 1-128 characters of A-Z a-z 0-9 - _ . :"})");
  CHECK(r.body.find("Injected") == std::string::npos);
  CHECK(f.sink.calls().empty());

  // The same envelope with a plain uuid goes through.
  CHECK(f.Post(kPath, Envelope("u1", "e", "sub-1"), f.Token()).status == 200);
  CHECK(f.sink.calls().size() == 1);
}

TEST_CASE("an empty configured token never matches", "[webhook]") {
  Fixture f;
  f.routes.Publish({{"main/sms", Route{Secret(""), Filter(), "sub-1"}}});
  http::Headers headers{{"Verification-Token", ""}};
  CHECK(f.receiver.HandleNotification(kPath, headers, Envelope("u", "e", "s")).status == 403);
  CHECK(f.receiver.HandleNotification(kPath, {}, Envelope("u", "e", "s")).status == 403);
  CHECK(f.sink.calls().empty());
}

TEST_CASE("an accepted event is committed as received and answered 200 empty", "[webhook]") {
  Fixture f;
  const std::string body =
      Envelope("u1", "/restapi/v1.0/account/~/extension/~/message-store", "sub-1");
  // Header names are case-insensitive.
  WebhookResponse r =
      f.receiver.HandleNotification(kPath, {{"VERIFICATION-TOKEN", f.Token()}}, body);
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(Find(r, "Content-Type") != nullptr);
  CHECK(*Find(r, "Content-Type") == "application/json");

  auto calls = f.sink.calls();
  REQUIRE(calls.size() == 1);
  const store::EventRecord& e = calls[0].event;
  CHECK(e.uuid == "u1");
  CHECK(e.account == "main");
  CHECK(e.name == "sms");
  CHECK(e.subscription_id == "sub-1");
  CHECK(e.event == "/restapi/v1.0/account/~/extension/~/message-store");
  CHECK(e.body == body);
  CHECK(e.kind == store::EventKind::kEvent);
  CHECK(e.relay_state == store::RelayState::kPending);
  CHECK(e.received_at == f.clock.Now());
  CHECK(calls[0].deadline == f.clock.SteadyNow() + std::chrono::milliseconds(1500));
  CHECK(f.reminders.empty());
}

TEST_CASE("events of a subscription without deliver_to are stored with nothing to relay",
          "[webhook]") {
  const bool relayed = GENERATE(true, false);
  Fixture f(relayed);
  const std::string event = "/restapi/v1.0/account/~/extension/~/message-store";
  REQUIRE(f.Post(kPath, Envelope("u1", event, "sub-1"), f.Token()).status == 200);
  REQUIRE(f.Post(kPath, Envelope("r1", kReminderFilter, "sub-1"), f.Token()).status == 200);
  auto calls = f.sink.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].event.kind == store::EventKind::kEvent);
  CHECK(calls[0].event.relay_state ==
        (relayed ? store::RelayState::kPending : store::RelayState::kNone));
  // Reminders are subkeeper's own, relayed subscription or not.
  CHECK(calls[1].event.kind == store::EventKind::kReminder);
  CHECK(calls[1].event.relay_state == store::RelayState::kNone);
  CHECK(f.reminders.size() == 1);
}

TEST_CASE("a committed reminder for the current remote id triggers the callback", "[webhook]") {
  Fixture f;
  WebhookResponse r = f.Post(kPath, Envelope("r1", kReminderFilter, "sub-1"), f.Token());
  CHECK(r.status == 200);
  auto calls = f.sink.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].event.kind == store::EventKind::kReminder);
  CHECK(calls[0].event.relay_state == store::RelayState::kNone);
  REQUIRE(f.reminders.size() == 1);
  CHECK(f.reminders[0] ==
        std::make_tuple(std::string("main"), std::string("sms"), std::string("sub-1")));
}

TEST_CASE("reminders that must not renew are stored but not passed on", "[webhook]") {
  Fixture f;
  SECTION("for an older remote subscription") {
    CHECK(f.Post(kPath, Envelope("r1", kReminderFilter, "sub-0"), f.Token()).status == 200);
    REQUIRE(f.sink.calls().size() == 1);
    CHECK(f.sink.calls()[0].event.kind == store::EventKind::kReminder);
  }
  SECTION("a duplicate delivery") {
    f.sink.Answer(InsertOutcome::kDuplicate);
    WebhookResponse r = f.Post(kPath, Envelope("r1", kReminderFilter, "sub-1"), f.Token());
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(f.sink.calls().size() == 1);
  }
  SECTION("while no remote id is known") {
    f.routes.Publish({{"main/sms", Route{Secret(f.Token()), Filter(), ""}}});
    CHECK(f.Post(kPath, Envelope("r1", kReminderFilter, ""), f.Token()).status == 400);
    CHECK(f.Post(kPath, Envelope("r2", kReminderFilter, "sub-1"), f.Token()).status == 200);
  }
  CHECK(f.reminders.empty());
}

TEST_CASE("a commit that fails or times out is answered 503, never 200", "[webhook]") {
  Fixture f;
  const Status failure = GENERATE(Status::DeadlineExceeded("slow"), Status::Unavailable("busy"));
  f.sink.Answer(failure);
  WebhookResponse r = f.Post(kPath, Envelope("r1", kReminderFilter, "sub-1"), f.Token());
  CHECK(r.status == 503);
  CHECK(r.body.starts_with(R"({"error":")"));
  CHECK(f.sink.calls().size() == 1);
  CHECK(f.reminders.empty());
}

TEST_CASE("Interned hands out one shared copy per distinct string", "[webhook]") {
  Interned interned;
  const std::string a = kReminderFilter;
  const auto first = interned(a);
  const auto again = interned(std::string(kReminderFilter));
  const auto other = interned("/restapi/v1.0/subscription/~?threshold=120&interval=30");
  CHECK(first.get() == again.get());
  CHECK(*first == kReminderFilter);
  CHECK(other.get() != first.get());
  CHECK(*other == "/restapi/v1.0/subscription/~?threshold=120&interval=30");
}

TEST_CASE("the event's account and name come from the route's path", "[webhook]") {
  Fixture f;
  f.routes.Publish({{"acct-7/voice-mail", Route{Secret("tok"), Filter(), "sub-9"}}});
  const auto r = f.Post("/webhooks/acct-7/voice-mail", Envelope("u1", "/e", "sub-9"), "tok");
  REQUIRE(r.status == 200);
  REQUIRE(f.sink.calls().size() == 1);
  CHECK(f.sink.calls()[0].event.account == "acct-7");
  CHECK(f.sink.calls()[0].event.name == "voice-mail");
}

TEST_CASE("the handshake echoes the token with an empty JSON answer", "[webhook]") {
  WebhookResponse r = WebhookReceiver::Handshake("abc-123");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(Find(r, "Validation-Token") != nullptr);
  CHECK(*Find(r, "Validation-Token") == "abc-123");
  REQUIRE(Find(r, "Content-Type") != nullptr);
  CHECK(*Find(r, "Content-Type") == "application/json");
  CHECK(r.headers.size() == 2);
}

TEST_CASE("the handshake echoes only a bounded visible-ASCII token", "[webhook]") {
  const std::string longest(WebhookReceiver::kMaxValidationTokenChars, '~');
  CHECK(*Find(WebhookReceiver::Handshake(longest), "Validation-Token") == longest);
  CHECK(*Find(WebhookReceiver::Handshake("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
              "Validation-Token") == "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

  const std::string bad =
      GENERATE(std::string(""), std::string("a b"), std::string("a\tb"),
               std::string("a\r\nX-Injected: 1"), std::string("a\x01"), std::string("a\x7f"),
               std::string("caf\xc3\xa9"), std::string("a\0b", 3), std::string(257, 'a'));
  CAPTURE(bad);
  WebhookResponse r = WebhookReceiver::Handshake(bad);
  CHECK(r.status == 400);
  CHECK(Find(r, "Validation-Token") == nullptr);
  CHECK(r.body == R"({"error":"invalid validation token"})");
  REQUIRE(Find(r, "Content-Type") != nullptr);
  CHECK(*Find(r, "Content-Type") == "application/json");
}

}  // namespace
}  // namespace subkeeper::webhook
