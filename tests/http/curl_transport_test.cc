// The curl transport (NewCurlTransport) against a real cpp-httplib server on 127.0.0.1, port chosen
// by the kernel.
#include "subkeeper/http/curl_transport.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/platform_test_util.h"

namespace subkeeper::http {
namespace {

// Canned secrets and the leak check of the platform tests.
namespace test = platform::test;

// Runs `server` on a loopback port for the lifetime of the object.
class LoopbackServer {
 public:
  explicit LoopbackServer(httplib::Server& server) : server_(server) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LoopbackServer() {
    // stop() is a no-op until the accept loop runs; wait for it (bounded) before stopping.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  httplib::Server& server_;
  int port_ = -1;
  std::thread thread_;
};

// A loopback port nobody listens on: bound by the kernel's choice, then closed.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("CurlTransport round-trips status, headers and body", "[http]") {
  httplib::Server server;
  std::string seen_method, seen_body, seen_auth, seen_type;
  server.Put("/restapi/v1.0/subscription/abc",
             [&](const httplib::Request& req, httplib::Response& res) {
               seen_method = req.method;
               seen_body = req.body;
               seen_auth = req.get_header_value("Authorization");
               seen_type = req.get_header_value("Content-Type");
               res.status = 201;
               res.set_header("X-Rate-Limit-Remaining", "7");
               res.set_content(R"({"ok":true})", "application/json");
             });
  server.Get("/empty", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  LoopbackServer loopback(server);

  std::unique_ptr<HttpTransport> owned = NewCurlTransport();
  HttpTransport& transport = *owned;
  HttpRequest request{"PUT",
                      loopback.Url("/restapi/v1.0/subscription/abc"),
                      {{"Authorization", "Bearer access-1"}, {"Content-Type", "application/json"}},
                      R"({"eventFilters":[]})",
                      std::chrono::milliseconds(5000)};
  Result<HttpResponse> response = transport.Send(request);
  REQUIRE(response.ok());
  CHECK(response->status == 201);
  CHECK(response->body == R"({"ok":true})");
  REQUIRE(response->Header("x-rate-limit-remaining") != nullptr);
  CHECK(*response->Header("x-rate-limit-remaining") == "7");
  CHECK(*response->Header("content-type") == "application/json");
  CHECK(seen_method == "PUT");
  CHECK(seen_body == R"({"eventFilters":[]})");
  CHECK(seen_auth == "Bearer access-1");
  CHECK(seen_type == "application/json");

  Result<HttpResponse> missing = transport.Send(
      HttpRequest{"GET", loopback.Url("/empty"), {}, "", std::chrono::milliseconds(5000)});
  REQUIRE(missing.ok());  // any HTTP status is an answer
  CHECK(missing->status == 404);
}

TEST_CASE("CurlTransport sends POST and DELETE", "[http]") {
  httplib::Server server;
  std::string posted;
  bool deleted = false;
  server.Post("/p", [&](const httplib::Request& req, httplib::Response& res) {
    posted = req.body;
    res.set_content("{}", "application/json");
  });
  server.Delete("/d", [&](const httplib::Request&, httplib::Response& res) {
    deleted = true;
    res.status = 204;
  });
  LoopbackServer loopback(server);
  std::unique_ptr<HttpTransport> owned = NewCurlTransport();
  HttpTransport& transport = *owned;
  auto post = transport.Send(HttpRequest{"POST", loopback.Url("/p"), {}, "a=1&b=2", Millis(5000)});
  REQUIRE(post.ok());
  CHECK(post->status == 200);
  CHECK(posted == "a=1&b=2");
  auto del = transport.Send(HttpRequest{"DELETE", loopback.Url("/d"), {}, "", Millis(5000)});
  REQUIRE(del.ok());
  CHECK(del->status == 204);
  CHECK(deleted);
}

// A header value with CR/LF would put extra headers or a second request on the wire (the relay
// sends webhook-id from a notification's uuid); a NUL would cut it. None is ever sent, and the
// error names the header but never shows its value (it may be a token).
TEST_CASE("CurlTransport sends nothing when a header value has CR, LF or NUL", "[http]") {
  httplib::Server server;
  std::mutex mu;
  std::vector<std::string> seen;  // guarded by mu
  auto record = [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    seen.push_back(req.method + " " + req.path + " " + req.get_header_value("webhook-id"));
    res.status = 204;
  };
  server.Post("/hook", record);
  server.Get("/smuggled", record);
  LoopbackServer loopback(server);
  std::unique_ptr<HttpTransport> owned = NewCurlTransport();
  HttpTransport& transport = *owned;

  const std::string value =
      GENERATE(std::string("u1\r\nX-Injected: 1"), std::string("u1\r\n\r\nGET /smuggled HTTP/1.1"),
               std::string("u1\nX-Injected: 1"), std::string("u1\rX"), std::string("u1\0tail", 7));
  CAPTURE(value);
  HttpRequest request{"POST",
                      loopback.Url("/hook"),
                      {{"content-type", "application/json"}, {"webhook-id", value}},
                      "{}",
                      Millis(5000)};
  Result<HttpResponse> refused = transport.Send(request);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("'webhook-id'") != std::string::npos);
  CHECK(refused.status().message().find("u1") == std::string::npos);
  CHECK(refused.status().message().find("Injected") == std::string::npos);

  // A clean request right after arrives alone: the refused one never reached the server.
  request.headers[1].second = "u2";
  Result<HttpResponse> sent = transport.Send(request);
  REQUIRE(sent.ok());
  CHECK(sent->status == 204);
  std::lock_guard lock(mu);
  CHECK(seen == std::vector<std::string>{"POST /hook u2"});
}

TEST_CASE("CurlTransport reports a slow answer as kDeadlineExceeded", "[http]") {
  httplib::Server server;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  // The handler waits for the test (bounded), never for a timer of its own.
  server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    res.set_content("late", "text/plain");
  });
  LoopbackServer loopback(server);
  std::unique_ptr<HttpTransport> owned = NewCurlTransport();
  HttpTransport& transport = *owned;
  Result<HttpResponse> response =
      transport.Send(HttpRequest{"GET",
                                 loopback.Url("/slow?token=access-secret"),
                                 {{"Authorization", "Bearer access-1"}},
                                 "",
                                 Millis(200)});
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kDeadlineExceeded);
  CHECK(response.status().message().find("GET /slow") != std::string::npos);
  CHECK_FALSE(test::LeaksSecret(response.status()));
}

TEST_CASE("CurlTransport reports a closed port as kUnavailable", "[http]") {
  std::unique_ptr<HttpTransport> owned = NewCurlTransport();
  HttpTransport& transport = *owned;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/restapi/oauth/token";
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.emplace_back("Authorization", std::string("Basic ") + test::kClientSecret);
  request.body = std::string("assertion=") + test::kJwt;
  request.timeout = Millis(2000);
  Result<HttpResponse> response = transport.Send(request);
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kUnavailable);
  CHECK(response.status().message().find("POST /restapi/oauth/token") != std::string::npos);
  CHECK_FALSE(test::LeaksSecret(response.status()));
}

TEST_CASE("CurlTransport refuses an answer longer than max_response_bytes", "[http]") {
  httplib::Server server;
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(2048, 'x'), "text/plain");
  });
  LoopbackServer loopback(server);
  const HttpRequest request{"GET", loopback.Url("/big"), {}, "", Millis(5000)};
  Result<HttpResponse> small = NewCurlTransport(CurlOptions{1024})->Send(request);
  REQUIRE_FALSE(small.ok());
  CHECK(small.status().code() == StatusCode::kUnavailable);
  Result<HttpResponse> fits = NewCurlTransport(CurlOptions{2048})->Send(request);
  REQUIRE(fits.ok());
  CHECK(fits->body.size() == 2048);
}

}  // namespace
}  // namespace subkeeper::http
