#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/raw_http.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/webhook/token.h"
#include "webhook/fake_sink.h"

namespace subkeeper::server {
namespace {

using testing::Parse;
using testing::ParsedResponse;
using testing::RawConnection;
using Ms = std::chrono::milliseconds;

constexpr const char* kReminderFilter = "/restapi/v1.0/subscription/~?threshold=60&interval=15";

config::ServerConfig TestOptions() {
  config::ServerConfig options;
  options.threads = 8;
  // Long enough that waiting for them would fail the latency checks below.
  options.read_timeout_ms = 5000;
  options.keep_alive_s = 5;
  options.max_body_bytes = 1024;
  return options;
}

// A webhook listener on 127.0.0.1:<any> over a fake sink, with one route main/sms.
struct Listener {
  explicit Listener(const config::ServerConfig& options = TestOptions())
      : server(receiver, options) {
    routes.Publish(
        {{"main/sms", webhook::Route{"main", "sms", Secret(token), kReminderFilter, "sub-1"}}});
    auto bound = server.Bind("127.0.0.1", 0);
    REQUIRE(bound.ok());
    port = *bound;
    server.Start();
    REQUIRE(server.running());
  }
  ~Listener() { server.Stop(); }

  const std::string token =
      webhook::DeriveVerificationToken(Secret("s3cret"), "main", "sms").Reveal();
  webhook::RouteTable routes;
  webhook::testing::FakeSink sink;
  SystemClock clock;
  webhook::WebhookReceiver receiver{routes, sink, nullptr, clock, webhook::ReceiverOptions{}};
  WebhookServer server;
  int port = 0;
};

struct Timed {
  ParsedResponse response;
  Ms elapsed;
};

Timed Exchange(RawConnection& c, const std::string& request) {
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(c.Send(request));
  const std::string raw = c.ReadResponse();
  return {Parse(raw), std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start)};
}

// What RingCentral checks (reference §3.3): 200, the token echoed, JSON content type, at most
// 1024 bytes in all, within 3000 ms. The design target is < 100 ms; 1000 ms keeps the check
// robust on a loaded 2-core machine while still failing on any read-timeout wait (5 s here).
void CheckHandshake(const Timed& t, const std::string& token) {
  CHECK(t.response.status == 200);
  CHECK(t.response.headers.count("validation-token") == 1);
  CHECK(t.response.Header("validation-token") == token);
  CHECK(t.response.Header("content-type") == "application/json");
  CHECK(t.response.body.empty());
  CHECK(t.response.total_bytes < 1024);
  CHECK(t.elapsed < Ms(1000));
}

TEST_CASE("handshake is answered at once in every request shape", "[server]") {
  Listener l;
  const std::string head =
      "POST /webhooks/main/sms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Validation-Token: 5a1c0e53-token\r\n";
  SECTION("Content-Length: 0") {
    RawConnection c(l.port);
    CheckHandshake(Exchange(c, head + "Content-Length: 0\r\n\r\n"), "5a1c0e53-token");
  }
  SECTION("without Content-Length") {
    RawConnection c(l.port);
    CheckHandshake(Exchange(c, head + "\r\n"), "5a1c0e53-token");
  }
  SECTION("with a JSON body, asking the client to close") {
    RawConnection c(l.port);
    const std::string body = R"({"hello":"world"})";
    Timed t = Exchange(c, head + "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
    CheckHandshake(t, "5a1c0e53-token");
    CHECK(t.response.Header("connection") == "close");
  }
  SECTION("on any path") {
    RawConnection c(l.port);
    CheckHandshake(Exchange(c,
                            "POST /elsewhere HTTP/1.1\r\nHost: x\r\n"
                            "Validation-Token: t\r\nContent-Length: 0\r\n\r\n"),
                   "t");
  }
  CHECK(l.sink.calls().empty());
}

TEST_CASE("handshake stays prompt while idle and stalled connections are held", "[server]") {
  // Each held connection occupies a worker. 8 of each kind is what delayed the untuned server
  // (the library default pool is 8 on this machine) by 5-9 s; the pool is sized above the sum.
  constexpr int kHeld = 8;
  config::ServerConfig options = TestOptions();
  options.threads = 2 * kHeld + 4;
  Listener l(options);

  std::vector<RawConnection> held;
  for (int i = 0; i < kHeld; ++i) {
    RawConnection c(l.port);
    REQUIRE(c.Send("GET /unknown HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(Parse(c.ReadResponse()).status == 404);  // now idle in keep-alive
    held.push_back(std::move(c));
  }
  for (int i = 0; i < kHeld; ++i) {
    RawConnection c(l.port);
    REQUIRE(c.Send("POST /webhooks/main/sms HTTP/1.1\r\nHost: x\r\nContent-"));  // never ends
    held.push_back(std::move(c));
  }

  RawConnection c(l.port);
  CheckHandshake(Exchange(c,
                          "POST /webhooks/main/sms HTTP/1.1\r\nHost: x\r\n"
                          "Validation-Token: tok\r\nContent-Length: 0\r\n\r\n"),
                 "tok");
}

std::string Notification(const std::string& token, const std::string& body) {
  return "POST /webhooks/main/sms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Verification-Token: " +
         token + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kEvent =
    R"({"uuid":"u1","event":"/restapi/v1.0/account/~/extension/~/message-store",)"
    R"("subscriptionId":"sub-1","body":{}})";

TEST_CASE("a verified notification is committed before the 200", "[server]") {
  Listener l;
  RawConnection c(l.port);
  Timed t = Exchange(c, Notification(l.token, kEvent));
  CHECK(t.response.status == 200);
  CHECK(t.response.body.empty());
  CHECK(t.response.Header("content-type") == "application/json");
  auto calls = l.sink.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].event.body == kEvent);
  CHECK(calls[0].event.uuid == "u1");
}

TEST_CASE("a wrong verification token is refused and nothing is stored", "[server]") {
  Listener l;
  RawConnection c(l.port);
  Timed t = Exchange(c, Notification("not-the-token", kEvent));
  CHECK(t.response.status == 403);
  CHECK(t.response.Header("content-type") == "application/json");
  CHECK(t.response.body == R"({"error":"invalid verification token"})");
  CHECK(l.sink.calls().empty());
}

TEST_CASE("a body over the limit is refused with a JSON reason", "[server]") {
  Listener l;
  RawConnection c(l.port);
  const std::string body(2048, 'x');  // over max_body_bytes, refused by httplib before routing
  Timed t = Exchange(c, Notification(l.token, body));
  CHECK(t.response.status == 413);
  CHECK(t.response.Header("content-type") == "application/json");
  CHECK(t.response.body == R"({"error":"body too large"})");
  CHECK(l.sink.calls().empty());
}

TEST_CASE("other methods and paths get JSON errors", "[server]") {
  Listener l;
  RawConnection c(l.port);
  Timed wrong_method = Exchange(c, "GET /webhooks/main/sms HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(wrong_method.response.status == 405);
  CHECK(wrong_method.response.body == R"({"error":"method not allowed"})");
  Timed unknown = Exchange(c, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(unknown.response.status == 404);
  CHECK(unknown.response.Header("content-type") == "application/json");
  CHECK(unknown.response.body == R"({"error":"not found"})");
  Timed unrouted = Exchange(c, Notification(l.token, kEvent).replace(15, 3, "xxx"));
  CHECK(unrouted.response.status == 404);
  CHECK(unrouted.response.body == R"({"error":"unknown webhook"})");
  CHECK(l.sink.calls().empty());
}

TEST_CASE("Bind reports an address that cannot be bound", "[server]") {
  Listener l;
  webhook::RouteTable routes;
  webhook::testing::FakeSink sink;
  SystemClock clock;
  webhook::WebhookReceiver receiver{routes, sink, nullptr, clock, webhook::ReceiverOptions{}};
  WebhookServer second(receiver, TestOptions());
  auto bound = second.Bind("127.0.0.1", l.port);
  REQUIRE_FALSE(bound.ok());
  CHECK(bound.status().code() == StatusCode::kUnavailable);
}

}  // namespace
}  // namespace subkeeper::server
