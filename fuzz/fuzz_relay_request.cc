// Fuzzes the path from an accepted notification to the request the relay sends the app: the raw
// body goes through WebhookReceiver::HandleNotification (the real parser and ingest acceptance,
// with a valid Verification-Token), and every event it commits is turned into a delivery request
// by relay::BuildDeliveryRequest, the function that writes webhook-id, webhook-timestamp,
// webhook-signature and the subkeeper-* headers.
// Invariants: no header value of a request built from an accepted notification contains CR, LF
// or NUL (so nothing can be smuggled into the app's request) and http::CheckHeaders accepts
// it (so the relay never dead-letters an accepted event as unsendable); webhook-id is the
// notification's uuid, 1..128 characters; the body is relayed byte for byte; a notification
// whose uuid is not IsValidUuid is refused with 400 and never committed.
//
// Input: the whole input is the notification body (seeds are plain JSON envelopes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/http/http.h"
#include "subkeeper/relay/relay.h"
#include "subkeeper/webhook/notification.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace {

using subkeeper::Result;
using subkeeper::Secret;
using subkeeper::SteadyTime;
using subkeeper::store::EventRecord;
using subkeeper::store::InsertOutcome;

constexpr char kToken[] = "0123456789abcdef0123456789abcdef";
constexpr char kPath[] = "/webhooks/main/sms";
constexpr char kReminder[] = "/restapi/v1.0/subscription/~?threshold=60&interval=15";

class MemorySink final : public subkeeper::webhook::EventSink {
 public:
  Result<InsertOutcome> Commit(EventRecord event, SteadyTime) override {
    events.push_back(std::move(event));
    return InsertOutcome::kInserted;
  }
  std::vector<EventRecord> events;
};

struct Fixture {
  Fixture() {
    subkeeper::webhook::Route route{Secret(kToken), std::make_shared<const std::string>(kReminder),
                                    "sub-1"};
    route.relayed = true;
    routes.Publish({{"main/sms", std::move(route)}});
  }
  subkeeper::webhook::RouteTable routes;
  MemorySink sink;
  subkeeper::ManualClock clock;
  subkeeper::webhook::WebhookReceiver receiver{
      routes, sink, nullptr, clock,
      subkeeper::webhook::ReceiverOptions{1 << 20, std::chrono::milliseconds(2000)}};
  subkeeper::relay::RelayOptions options;
};

bool HasBreak(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();  // leaked on purpose: no destruction-order questions
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  f->sink.events.clear();
  const subkeeper::http::Headers headers = {{"Content-Type", "application/json"},
                                            {"Verification-Token", kToken}};
  const subkeeper::webhook::WebhookResponse answer =
      f->receiver.HandleNotification(kPath, headers, body);

  const Result<subkeeper::webhook::Notification> parsed =
      subkeeper::webhook::ParseNotification(body);
  if (!parsed.ok()) {
    FUZZ_CHECK(answer.status == 400);
    FUZZ_CHECK(f->sink.events.empty());
    return 0;
  }
  FUZZ_CHECK(answer.status == 200);
  FUZZ_CHECK(f->sink.events.size() == 1);
  FUZZ_CHECK(subkeeper::webhook::IsValidUuid(parsed->uuid));

  EventRecord& event = f->sink.events.front();
  // Lifecycle and reminder kinds take the same builder; the kind is a header too.
  for (subkeeper::store::EventKind kind :
       {subkeeper::store::EventKind::kEvent, subkeeper::store::EventKind::kReminder,
        subkeeper::store::EventKind::kLifecycle}) {
    event.kind = kind;
    const subkeeper::http::HttpRequest request = subkeeper::relay::BuildDeliveryRequest(
        event, "http://127.0.0.1:1/app", {"signing-key-1", "signing-key-2"}, f->clock.Now(),
        f->options);
    FUZZ_CHECK(subkeeper::http::CheckHeaders(request.headers).ok());
    for (const auto& [name, value] : request.headers) {
      FUZZ_CHECK(!HasBreak(name));
      FUZZ_CHECK(!HasBreak(value));
    }
    const std::string* id = request.headers.Find("webhook-id");
    FUZZ_CHECK(id != nullptr && *id == parsed->uuid);
    FUZZ_CHECK(!id->empty() && id->size() <= subkeeper::webhook::kMaxUuidChars);
    FUZZ_CHECK(request.body == body);
    FUZZ_CHECK(request.method == "POST");
  }
  return 0;
}
