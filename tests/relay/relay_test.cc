#include "subkeeper/relay/relay.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/temp_dir.h"
#include "subkeeper/relay/lifecycle.h"
#include "subkeeper/relay/signature.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/fake_transport.h"
#include "support/forwarding_store.h"

namespace subkeeper::relay {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using std::chrono::milliseconds;

const Secret kSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const std::string kSmsUrl = "http://127.0.0.1:1/hooks/sms";
const std::string kFaxUrl = "http://127.0.0.1:1/hooks/fax";
constexpr auto kDeadline = std::chrono::seconds(10);

RelayOptions TestOptions() {
  RelayOptions options;
  options.retry = RetryPolicy{Seconds(1), Seconds(600), Seconds(3600)};
  options.timeout = milliseconds(1500);
  options.idle_poll = std::chrono::hours(1);  // only Wake or a due time moves the loop
  return options;
}

// Notified on every change a test waits for; waits are bounded so a broken relay fails the test
// instead of hanging it.
class Signal {
 public:
  void Notify(std::function<void()> change = [] {}) {
    {
      std::lock_guard lock(mu_);
      change();
    }
    cv_.notify_all();
  }
  template <typename Pred>
  bool WaitFor(Pred pred, milliseconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, pred);
  }
  std::mutex& mu() { return mu_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// The SQLite store, with the number of ListRelayHeads answers observable: each pass reads the
// heads twice, so a test can tell when the loop has finished a pass and is idle.
class ObservedStore final : public testing::ForwardingEventLog {
 public:
  ObservedStore(store::EventLog& inner, Signal& signal)
      : ForwardingEventLog(inner), signal_(signal) {}
  // REQUIRES: signal.mu() held (call it inside a Signal::WaitFor predicate).
  int heads_reads() const { return heads_reads_; }

  Result<std::vector<store::EventRecord>> ListRelayHeads() override {
    auto heads = inner_.ListRelayHeads();
    signal_.Notify([this] { ++heads_reads_; });
    return heads;
  }

 private:
  Signal& signal_;
  int heads_reads_ = 0;  // guarded by signal_.mu()
};

struct Fixture {
  explicit Fixture(RelayOptions options = TestOptions())
      : store(std::move(store::OpenSqliteStore(dir.File("subkeeper.db"), clock).value())),
        relay(std::make_unique<Relay>(*store, *store, transport, clock, options,
                                      [] { return 0.0; })) {
    relay->Configure({{"main/sms", kSmsUrl}, {"main/fax", kFaxUrl}}, {kSecret});
  }

  // Stores a pending event received now; returns its uuid.
  std::string Add(const std::string& name, const std::string& uuid,
                  const std::string& body = R"({"uuid":"x"})") {
    store::EventRecord event;
    event.uuid = uuid;
    event.account = "main";
    event.name = name;
    event.subscription_id = "sub-" + name;
    event.event = "/restapi/v1.0/account/~/extension/~/message-store";
    event.body = body;
    event.received_at = clock.Now();
    REQUIRE(store->InsertEvents({event}).ok());
    return uuid;
  }

  store::EventRecord Get(const std::string& uuid) {
    auto events = store->ListEvents("", "", std::nullopt, 0);
    REQUIRE(events.ok());
    for (const auto& e : *events) {
      if (e.uuid == uuid) return e;
    }
    FAIL("no event " << uuid);
    return {};
  }

  store::testing::TempDir dir;
  ManualClock clock;
  std::unique_ptr<store::Store> store;
  testing::FakeTransport transport;
  std::unique_ptr<Relay> relay;
};

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  const std::string* value = request.headers.Find(name);
  return value == nullptr ? "<absent>" : *value;
}

std::vector<std::string> WebhookIds(const std::vector<HttpRequest>& requests) {
  std::vector<std::string> ids;
  for (const HttpRequest& r : requests) ids.push_back(HeaderOf(r, "webhook-id"));
  return ids;
}

// Key rotation (https://www.standardwebhooks.com allows several space-separated signatures): one
// signature per configured key, in order; a Configure re-signs the very next attempt, retries
// included.
TEST_CASE("Each attempt is signed with every configured key, and Configure switches the keys",
          "[relay]") {
  Fixture f;
  const Secret next = NewSigningSecret();
  f.relay->Configure({{"main/sms", kSmsUrl}}, {kSecret, next});
  f.Add("sms", "u-1");
  f.transport.Push(500);
  REQUIRE(f.relay->RunOnce().ok());
  f.relay->Configure({{"main/sms", kSmsUrl}}, {next});
  f.clock.Advance(std::chrono::seconds(60));
  f.transport.Push(200);
  REQUIRE(f.relay->RunOnce().ok());

  const auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 2);
  const int64_t now_s = ToUnixMillis(f.clock.Now()) / 1000;
  const auto verifies = [&](const HttpRequest& r, const Secret& secret) {
    return Verify(*SigningKey(secret), "u-1", HeaderOf(r, "webhook-timestamp"), r.body,
                  HeaderOf(r, "webhook-signature"), now_s);
  };
  const std::string both = HeaderOf(requests[0], "webhook-signature");
  CHECK(std::count(both.begin(), both.end(), ' ') == 1);
  CHECK(both.starts_with(Sign(*SigningKey(kSecret), "u-1", now_s - 60, requests[0].body)));
  CHECK(verifies(requests[0], kSecret));
  CHECK(verifies(requests[0], next));
  // The retry after the switch carries the new key only.
  CHECK(HeaderOf(requests[1], "webhook-signature").find(' ') == std::string::npos);
  CHECK(verifies(requests[1], next));
  CHECK_FALSE(verifies(requests[1], kSecret));
}

// Answers `failure` for URLs containing `failing_fragment` and 200 otherwise.
testing::FakeTransport::Handler StatusBy(std::string failing_fragment, int failure) {
  return [failing_fragment, failure](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url.find(failing_fragment) != std::string::npos) {
      return testing::FakeTransport::Response(failure, "{\"error\":\"down\"}\n");
    }
    return testing::FakeTransport::Response(200);
  };
}

TEST_CASE("A relayed event carries its body untouched and verifiable Standard Webhooks headers",
          "[relay]") {
  Fixture f;
  const std::string body = "{\"uuid\":\"u-1\", \"body\": {\"text\":\"h\xC3\xA9llo\\n\"}}\r\n  ";
  f.Add("sms", "u-1", body);
  f.transport.Push(204);

  auto due = f.relay->RunOnce();
  REQUIRE(due.ok());
  CHECK(*due == WallTime{});  // nothing pending any more

  const auto requests = f.transport.Requests();
  REQUIRE(requests.size() == 1);
  const HttpRequest& r = requests[0];
  CHECK(r.method == "POST");
  CHECK(r.url == kSmsUrl);
  CHECK(r.body == body);
  CHECK(r.timeout == milliseconds(1500));
  const int64_t now_s = ToUnixMillis(f.clock.Now()) / 1000;
  CHECK(HeaderOf(r, "content-type") == "application/json");
  CHECK(HeaderOf(r, "webhook-id") == "u-1");
  CHECK(HeaderOf(r, "webhook-timestamp") == std::to_string(now_s));
  CHECK(HeaderOf(r, "user-agent") == "subkeeper");
  CHECK(HeaderOf(r, "subkeeper-account") == "main");
  CHECK(HeaderOf(r, "subkeeper-subscription") == "sms");
  CHECK(HeaderOf(r, "subkeeper-event-kind") == "event");
  CHECK(Verify(*SigningKey(kSecret), "u-1", HeaderOf(r, "webhook-timestamp"), r.body,
               HeaderOf(r, "webhook-signature"), now_s));
  CHECK_FALSE(Verify(*SigningKey(NewSigningSecret()), "u-1", HeaderOf(r, "webhook-timestamp"),
                     r.body, HeaderOf(r, "webhook-signature"), now_s));

  const store::EventRecord stored = f.Get("u-1");
  CHECK(stored.relay_state == store::RelayState::kDelivered);
  CHECK(stored.attempts == 1);
  CHECK(stored.delivered_at == f.clock.Now());
  CHECK(f.relay->stats().delivered == 1);
  CHECK(f.relay->stats().failed == 0);
}

TEST_CASE("A failing head blocks its followers, not another subscription, until its retry time",
          "[relay]") {
  Fixture f;
  const WallTime t0 = f.clock.Now();
  f.Add("sms", "sms-1");
  f.Add("fax", "fax-1");
  f.Add("sms", "sms-2");
  f.Add("fax", "fax-2");
  f.transport.SetHandler(StatusBy("/sms", 503));

  auto due = f.relay->RunOnce();
  REQUIRE(due.ok());
  CHECK(WebhookIds(f.transport.RequestsTo("/sms")) == std::vector<std::string>{"sms-1"});
  CHECK(WebhookIds(f.transport.RequestsTo("/fax")) == std::vector<std::string>{"fax-1", "fax-2"});
  const store::EventRecord head = f.Get("sms-1");
  CHECK(head.relay_state == store::RelayState::kPending);
  CHECK(head.attempts == 1);
  CHECK(head.last_error == "HTTP 503: {\"error\":\"down\"}");
  CHECK(head.next_attempt_at == t0 + milliseconds(500));  // first retry, jitter 0
  CHECK(f.Get("sms-2").attempts == 0);
  CHECK(*due == t0 + milliseconds(500));

  // The app is back, but the retry is not due yet: nothing is sent.
  f.transport.SetHandler(StatusBy("/none", 500));
  f.transport.ClearRequests();
  f.clock.Advance(milliseconds(499));
  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.transport.RequestCount() == 0);

  f.clock.Advance(milliseconds(1));
  due = f.relay->RunOnce();
  REQUIRE(due.ok());
  CHECK(WebhookIds(f.transport.RequestsTo("/sms")) == std::vector<std::string>{"sms-1", "sms-2"});
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kDelivered);
  CHECK(f.Get("sms-1").attempts == 2);
  CHECK(f.Get("sms-1").last_error.empty());
  CHECK(f.Get("sms-2").relay_state == store::RelayState::kDelivered);
  CHECK(*due == WallTime{});
  CHECK(f.relay->stats().failed == 1);
  CHECK(f.relay->stats().delivered == 4);
}

TEST_CASE("A transport error is retried with growing backoff", "[relay]") {
  Fixture f;
  const WallTime t0 = f.clock.Now();
  f.Add("sms", "sms-1");
  f.transport.PushError(Status::DeadlineExceeded("POST /hooks/sms: timed out"));
  f.transport.PushError(Status::Unavailable("POST /hooks/sms: connection refused"));

  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("sms-1").last_error == "deadline_exceeded: POST /hooks/sms: timed out");
  f.clock.Set(f.Get("sms-1").next_attempt_at);
  auto due = f.relay->RunOnce();
  REQUIRE(due.ok());
  const store::EventRecord event = f.Get("sms-1");
  CHECK(event.attempts == 2);
  CHECK(event.last_error == "unavailable: POST /hooks/sms: connection refused");
  CHECK(event.next_attempt_at == t0 + milliseconds(500) + milliseconds(1000));
  CHECK(*due == event.next_attempt_at);
}

TEST_CASE("An event past the maximum age is dead after its failure and the next one goes",
          "[relay]") {
  RelayOptions options = TestOptions();
  options.retry.max_age = Seconds(10);
  Fixture f(options);
  const WallTime t0 = f.clock.Now();
  f.Add("sms", "old");
  f.Add("sms", "next");
  f.transport.SetHandler([](const HttpRequest& r) -> Result<HttpResponse> {
    return testing::FakeTransport::Response(HeaderOf(r, "webhook-id") == "old" ? 500 : 200);
  });

  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("old").relay_state == store::RelayState::kPending);
  CHECK(f.Get("next").attempts == 0);

  // A retry at 9.8 s would next go at 10.8 s, past the maximum age: dead now.
  f.clock.Set(t0 + milliseconds(9800));
  auto due = f.relay->RunOnce();
  REQUIRE(due.ok());
  const store::EventRecord old = f.Get("old");
  CHECK(old.relay_state == store::RelayState::kDead);
  CHECK(old.attempts == 2);
  CHECK(old.last_error == "HTTP 500");
  CHECK(f.Get("next").relay_state == store::RelayState::kDelivered);
  CHECK(WebhookIds(f.transport.Requests()) == std::vector<std::string>{"old", "old", "next"});
  CHECK(*due == WallTime{});
  CHECK(f.relay->stats().dead == 1);
  CHECK(f.relay->stats().failed == 2);
}

TEST_CASE("An unconfigured subscription keeps its events pending until it is configured",
          "[relay]") {
  Fixture f;
  f.relay->Configure({{"main/sms", ""}}, {kSecret});
  f.Add("sms", "sms-1");
  f.Add("fax", "fax-1");

  auto due = f.relay->RunOnce();
  REQUIRE(due.ok());
  CHECK(*due == WallTime{});
  CHECK(f.transport.RequestCount() == 0);
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kPending);
  CHECK(f.Get("fax-1").relay_state == store::RelayState::kPending);
  CHECK(f.Get("fax-1").attempts == 0);

  f.relay->Configure({{"main/fax", kFaxUrl}}, {kSecret});
  f.transport.Push(200);
  REQUIRE(f.relay->RunOnce().ok());
  CHECK(WebhookIds(f.transport.Requests()) == std::vector<std::string>{"fax-1"});
  CHECK(f.Get("fax-1").relay_state == store::RelayState::kDelivered);
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kPending);
}

TEST_CASE("Delivered events past the retention are pruned, pending ones never", "[relay]") {
  RelayOptions options = TestOptions();
  options.retention = Seconds(60);
  Fixture f(options);
  f.relay->Configure({{"main/sms", kSmsUrl}}, {kSecret});
  f.Add("sms", "delivered-old");
  f.Add("fax", "pending-old");  // not configured: stays pending
  f.transport.Push(200);
  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("delivered-old").relay_state == store::RelayState::kDelivered);

  f.clock.Advance(Seconds(61));
  REQUIRE(f.relay->RunOnce().ok());
  auto left = f.store->ListEvents("", "", std::nullopt, 0);
  REQUIRE(left.ok());
  REQUIRE(left->size() == 1);
  CHECK((*left)[0].uuid == "pending-old");
}

TEST_CASE("A relay that does not lead housekeeping prunes nothing until it does", "[relay]") {
  RelayOptions options = TestOptions();
  options.retention = Seconds(60);
  bool leads = false;
  options.prunes = [&leads] { return leads; };
  Fixture f(options);
  f.relay->Configure({{"main/sms", kSmsUrl}}, {kSecret});
  f.Add("sms", "delivered-old");
  f.transport.Push(200);
  REQUIRE(f.relay->RunOnce().ok());
  f.clock.Advance(Seconds(61));
  REQUIRE(f.relay->RunOnce().ok());
  auto kept = f.store->ListEvents("", "", std::nullopt, 0);
  REQUIRE(kept.ok());
  CHECK(kept->size() == 1);  // another keeper prunes

  leads = true;
  REQUIRE(f.relay->RunOnce().ok());
  auto left = f.store->ListEvents("", "", std::nullopt, 0);
  REQUIRE(left.ok());
  CHECK(left->empty());
}

TEST_CASE("Two subscriptions are delivered by different workers when one app hangs", "[relay]") {
  RelayOptions options = TestOptions();
  options.concurrency = 2;
  Fixture f(options);
  f.Add("sms", "sms-1");
  f.Add("fax", "fax-1");

  Signal signal;
  bool sms_entered = false;
  bool sms_released = false;
  bool fax_done = false;
  std::thread::id sms_thread;
  std::thread::id fax_thread;
  f.transport.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url == kSmsUrl) {
      signal.Notify([&] {
        sms_entered = true;
        sms_thread = std::this_thread::get_id();
      });
      signal.WaitFor([&] { return sms_released; });
    } else {
      signal.Notify([&] {
        fax_done = true;
        fax_thread = std::this_thread::get_id();
      });
    }
    return testing::FakeTransport::Response(200);
  });

  auto pass = std::async(std::launch::async, [&] { return f.relay->RunOnce(); });
  // Both requests are made while the sms one is still held: two workers.
  const bool both = signal.WaitFor([&] { return sms_entered && fax_done; });
  signal.Notify([&] { sms_released = true; });
  REQUIRE(pass.wait_for(kDeadline) == std::future_status::ready);
  REQUIRE(pass.get().ok());
  CHECK(both);
  CHECK(sms_thread != fax_thread);
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kDelivered);
  CHECK(f.Get("fax-1").relay_state == store::RelayState::kDelivered);
}

TEST_CASE("The background loop delivers what a Wake announces", "[relay]") {
  Fixture f;
  Signal signal;
  ObservedStore observed(*f.store, signal);
  Relay relay(observed, *f.store, f.transport, f.clock, TestOptions(), [] { return 0.0; });
  relay.Configure({{"main/sms", kSmsUrl}, {"main/fax", kFaxUrl}}, {kSecret});
  f.transport.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return testing::FakeTransport::Response(200);
  });
  f.Add("sms", "before-start");
  relay.Start();
  // The first pass is over once it has read the heads again at its end; the loop then waits
  // for idle_poll (an hour), so only the Wake can make it look again.
  REQUIRE(signal.WaitFor([&] { return observed.heads_reads() >= 2; }));
  CHECK(f.Get("before-start").relay_state == store::RelayState::kDelivered);
  f.Add("fax", "after-wake");
  relay.Wake();
  REQUIRE(signal.WaitFor([&] { return observed.heads_reads() >= 4; }));
  relay.Stop();
  CHECK(f.Get("after-wake").relay_state == store::RelayState::kDelivered);
  CHECK(WebhookIds(f.transport.Requests()) ==
        std::vector<std::string>{"before-start", "after-wake"});
}

TEST_CASE("In the background an app that hangs holds one worker and not the other deliveries",
          "[relay]") {
  RelayOptions options = TestOptions();
  options.concurrency = 2;
  Fixture f(options);
  Signal signal;
  bool sms_entered = false;
  bool sms_released = false;
  std::vector<std::string> fax_delivered;
  f.transport.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.url == kSmsUrl) {
      signal.Notify([&] { sms_entered = true; });
      signal.WaitFor([&] { return sms_released; });
    } else {
      signal.Notify([&] { fax_delivered.push_back(HeaderOf(r, "webhook-id")); });
    }
    return testing::FakeTransport::Response(200);
  });
  f.Add("sms", "sms-1");
  f.relay->Start();
  REQUIRE(signal.WaitFor([&] { return sms_entered; }));
  // While the sms app hangs, fax events keep flowing, each announced by a Wake.
  for (const std::string uuid : {"fax-1", "fax-2", "fax-3"}) {
    f.Add("fax", uuid);
    f.relay->Wake();
    INFO(uuid);
    REQUIRE(signal.WaitFor([&] { return !fax_delivered.empty() && fax_delivered.back() == uuid; }));
  }
  signal.Notify([&] { sms_released = true; });
  f.relay->Stop();
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kDelivered);
  CHECK(fax_delivered == std::vector<std::string>{"fax-1", "fax-2", "fax-3"});
}

TEST_CASE("Stop waits for the request in flight, at most its timeout, and starts no other",
          "[relay]") {
  RelayOptions options = TestOptions();
  options.timeout = milliseconds(1000);
  Fixture f(options);
  f.Add("sms", "sms-1");
  f.Add("sms", "sms-2");
  Signal signal;
  bool entered = false;
  // A slow app: it answers, but only when the request's own timeout is about to run out.
  f.transport.SetHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    signal.Notify([&] { entered = true; });
    signal.WaitFor([] { return false; }, r.timeout);
    return testing::FakeTransport::Response(200);
  });
  f.relay->Start();
  REQUIRE(signal.WaitFor([&] { return entered; }));

  const auto started = std::chrono::steady_clock::now();
  f.relay->Stop();
  CHECK(std::chrono::steady_clock::now() - started < kDeadline);
  CHECK(f.transport.RequestCount() == 1);
  // The request in flight finished and its outcome was written; the next one never started.
  CHECK(f.Get("sms-1").relay_state == store::RelayState::kDelivered);
  CHECK(f.Get("sms-2").relay_state == store::RelayState::kPending);
  CHECK(f.Get("sms-2").attempts == 0);
  f.relay->Stop();  // idempotent
}

// The lifecycle events the app was sent (bodies parsed), in order.
std::vector<nlohmann::json> LifecycleBodies(const std::vector<HttpRequest>& requests) {
  std::vector<nlohmann::json> out;
  for (const HttpRequest& r : requests) {
    if (HeaderOf(r, "subkeeper-event-kind") == "lifecycle")
      out.push_back(nlohmann::json::parse(r.body));
  }
  return out;
}

// Runs passes until nothing is due now (retries jump the clock to their time), at most `max`.
void RunUntilIdle(Fixture& f, int max = 20) {
  for (int i = 0; i < max; ++i) {
    auto due = f.relay->RunOnce();
    REQUIRE(due.ok());
    if (*due == WallTime{}) return;
    if (*due > f.clock.Now()) f.clock.Set(*due);
  }
  FAIL("the relay was still busy after " << max << " passes");
}

// Without the limit a 4xx head waited for relay.max_age (an hour here) with every later event of
// its subscription behind it.
TEST_CASE("A delivery refused with a client error is dead after max_client_error_attempts",
          "[relay]") {
  Fixture f;
  const WallTime t0 = f.clock.Now();
  f.Add("sms", "refused");
  f.Add("sms", "next");
  f.transport.SetHandler([](const HttpRequest& r) -> Result<HttpResponse> {
    if (HeaderOf(r, "webhook-id") == "refused") {
      return testing::FakeTransport::Response(422, "{\"error\":\"unknown shape\"}");
    }
    return testing::FakeTransport::Response(200);
  });

  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("refused").relay_state ==
        store::RelayState::kPending);  // a client error is retried, a little
  CHECK(f.Get("next").attempts == 0);
  f.clock.Set(f.Get("refused").next_attempt_at);
  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("refused").relay_state == store::RelayState::kPending);
  f.clock.Set(f.Get("refused").next_attempt_at);
  REQUIRE(f.relay->RunOnce().ok());
  const store::EventRecord refused = f.Get("refused");
  CHECK(refused.relay_state == store::RelayState::kDead);
  CHECK(refused.attempts == 3);
  CHECK(refused.last_error == "HTTP 422: {\"error\":\"unknown shape\"}");
  CHECK(f.clock.Now() - t0 < Seconds(10));  // long before max_age
  CHECK(f.Get("next").relay_state == store::RelayState::kDelivered);
  CHECK(f.relay->stats().dead == 1);
  CHECK(f.relay->stats().refused == 1);

  // The app hears of it once, after the events that were waiting.
  RunUntilIdle(f);
  const auto requests = f.transport.Requests();
  std::vector<std::string> ids = WebhookIds(requests);
  REQUIRE(ids.size() == 5);
  CHECK(std::vector<std::string>(ids.begin(), ids.begin() + 4) ==
        std::vector<std::string>{"refused", "refused", "refused", "next"});
  const auto lifecycle = LifecycleBodies(requests);
  REQUIRE(lifecycle.size() == 1);
  CHECK(HeaderOf(requests[4], "subkeeper-subscription") == "sms");
  CHECK(Verify(*SigningKey(kSecret), ids[4], HeaderOf(requests[4], "webhook-timestamp"),
               requests[4].body, HeaderOf(requests[4], "webhook-signature"),
               ToUnixMillis(f.clock.Now()) / 1000));
  const nlohmann::json& body = lifecycle[0];
  CHECK(body["type"] == "subscription.delivery_dead_lettered");
  CHECK(body["data"]["account"] == "main");
  CHECK(body["data"]["subscription"] == "sms");
  CHECK(body["data"]["subscriptionId"] == "sub-sms");
  CHECK(body["data"]["eventId"] == "refused");
  CHECK(body["data"]["event"] == "/restapi/v1.0/account/~/extension/~/message-store");
  CHECK(body["data"]["attempts"] == 3);
  CHECK(body["data"]["lastStatus"] == 422);
  CHECK(body["data"]["lastError"] == "HTTP 422: {\"error\":\"unknown shape\"}");
  CHECK(body["data"]["reason"] == "client_error");

  // Recorded in the subscription's history, with the event queued in the same transaction.
  auto history = f.store->ListHistory({"main", "sms", 0});
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].kind == store::HistoryKind::kDeadLettered);
  CHECK((*history)[0].remote_id.empty());  // never taken for the subscription's previous id
  CHECK((*history)[0].detail == "event refused: HTTP 422: {\"error\":\"unknown shape\"}");
}

TEST_CASE("max_client_error_attempts 1 dead-letters at the first refusal, never a 408 or 429",
          "[relay]") {
  RelayOptions options = TestOptions();
  options.retry.max_client_error_attempts = 1;
  Fixture f(options);
  const int busy_status = GENERATE(408, 429);
  CAPTURE(busy_status);
  f.Add("sms", "refused");
  f.Add("sms", "busy");
  f.transport.SetHandler([busy_status](const HttpRequest& r) -> Result<HttpResponse> {
    return testing::FakeTransport::Response(HeaderOf(r, "webhook-id") == "refused" ? 404
                                                                                   : busy_status);
  });
  REQUIRE(f.relay->RunOnce().ok());
  CHECK(f.Get("refused").relay_state == store::RelayState::kDead);
  CHECK(f.Get("refused").attempts == 1);
  // "Not now" is no refusal: retried like a server error, until max_age.
  for (int i = 0; i < 5; ++i) {
    f.clock.Set(f.Get("busy").next_attempt_at);
    REQUIRE(f.relay->RunOnce().ok());
  }
  CHECK(f.Get("busy").relay_state == store::RelayState::kPending);
  CHECK(f.Get("busy").attempts == 6);
  CHECK(f.relay->stats().dead == 1);
}

// Otherwise an app that refuses lifecycle events would get one more about each refusal, forever.
TEST_CASE("A refused lifecycle event is dead-lettered without another lifecycle event", "[relay]") {
  Fixture f;
  LifecycleFacts facts;
  facts.type = "blacklisted";
  facts.account = "main";
  facts.name = "sms";
  facts.subscription_id = "sub-sms";
  REQUIRE(f.store->InsertEvents({MakeLifecycleEvent(facts, f.clock.Now(), "lc-1")}).ok());
  f.transport.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return testing::FakeTransport::Response(400);
  });
  RunUntilIdle(f);
  CHECK(f.Get("lc-1").relay_state == store::RelayState::kDead);
  CHECK(f.Get("lc-1").attempts == 3);
  CHECK(f.transport.RequestCount() == 3);
  auto events = f.store->ListEvents("", "", std::nullopt, 0);
  REQUIRE(events.ok());
  CHECK(events->size() == 1);
  auto history = f.store->ListHistory({"main", "sms", 0});
  REQUIRE(history.ok());
  CHECK(history->empty());
  CHECK(f.relay->stats().dead == 1);
}

// An event stored before the ingest check (or by any other path) with a uuid that cannot be a
// header value is never put on the wire, and does not hold the events behind it.
TEST_CASE("An event whose headers cannot be written is dead at once and never sent", "[relay]") {
  Fixture f;
  const std::string uuid =
      GENERATE(std::string("bad\r\nX-Injected: 1"), std::string("bad\r\n\r\nPOST /other HTTP/1.1"),
               std::string("bad\0tail", 8));
  f.Add("sms", uuid);
  f.Add("sms", "next");
  f.transport.SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return testing::FakeTransport::Response(200);
  });
  REQUIRE(f.relay->RunOnce().ok());
  const store::EventRecord bad = f.Get(uuid);
  CHECK(bad.relay_state == store::RelayState::kDead);
  CHECK(bad.attempts == 1);
  CHECK(bad.last_error == "not sent: request header 'webhook-id': value contains CR, LF or NUL");
  CHECK(f.Get("next").relay_state == store::RelayState::kDelivered);

  RunUntilIdle(f);
  const auto requests = f.transport.Requests();
  for (const HttpRequest& r : requests) {
    CHECK(http::CheckHeaders(r.headers).ok());
    CHECK(HeaderOf(r, "webhook-id") != uuid);  // lifecycle ids are random hex: may hold "bad"
  }
  const auto lifecycle = LifecycleBodies(requests);
  REQUIRE(lifecycle.size() == 1);
  CHECK(lifecycle[0]["data"]["eventId"] == uuid);  // escaped inside the JSON body
  CHECK(lifecycle[0]["data"]["reason"] == "unsendable");
  CHECK_FALSE(lifecycle[0]["data"].contains("lastStatus"));
  CHECK(lifecycle[0]["data"]["attempts"] == 1);
  auto history = f.store->ListHistory({"main", "sms", 0});
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].detail.find('\r') == std::string::npos);
  CHECK((*history)[0].detail.find('\n') == std::string::npos);
}

}  // namespace
}  // namespace subkeeper::relay
