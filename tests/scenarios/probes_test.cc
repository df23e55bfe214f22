// The orchestrator's probes against the real keeper: /healthz and /readyz must answer while the
// admin port is full of slow clients and the webhook port is under load, or a liveness probe
// would restart a healthy keeper.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "raw_client.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

// A client that connected and sent `head` (a partial request, or nothing), then holds on.
class SlowClient {
 public:
  SlowClient(int port, const std::string& head) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (connected_ && !head.empty()) Send(head);
  }
  ~SlowClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  SlowClient(const SlowClient&) = delete;
  SlowClient& operator=(const SlowClient&) = delete;

  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace

TEST_CASE("probes answer while 64 clients trickle, 64 sit idle and the webhook port is loaded",
          "[integration]") {
  Scenario s;
  REQUIRE_FALSE(s.WaitForActive(20s).empty());

  // Webhook load: handshakes back to back from two threads, bounded in count and time.
  std::atomic<bool> stop{false};
  std::atomic<int> handshakes{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&] {
      const std::string request = "POST " + s.webhook_path() +
                                  " HTTP/1.1\r\nHost: x\r\nValidation-Token: load\r\n"
                                  "Content-Length: 0\r\nConnection: close\r\n\r\n";
      for (int i = 0; i < 5000 && !stop; ++i) {
        if (RawExchange(s.webhooks_port(), request, 2s).status == 200) ++handshakes;
      }
    });
  }

  std::chrono::microseconds slowest{0};
  int answered = 0;
  for (int round = 0; round < 5; ++round) {
    // Fresh slow clients every round, so each probe meets all 128 inside their header deadline.
    std::vector<std::unique_ptr<SlowClient>> slow;
    for (int i = 0; i < 64; ++i) {
      slow.push_back(
          std::make_unique<SlowClient>(s.admin_port(), "GET /v1/subscriptions HTTP/1.1\r\nX"));
      slow.push_back(std::make_unique<SlowClient>(s.admin_port(), ""));
    }
    for (const auto& c : slow) REQUIRE(c->connected());
    for (const char* path : {"/healthz", "/readyz"}) {
      for (size_t i = 0; i < slow.size(); i += 2) slow[i]->Send("X");  // one more header byte
      const RawResponse r = RawExchange(
          s.admin_port(), std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n", 2s);
      INFO(path << " round " << round << ": " << r.error);
      CHECK(r.status == 200);
      answered += r.status == 200;
      slowest = std::max(slowest, r.elapsed);
    }
  }
  stop = true;
  for (auto& t : load) t.join();
  INFO("slowest probe " << slowest.count() << " us; handshakes meanwhile " << handshakes.load());
  CHECK(answered == 10);
  CHECK(handshakes.load() > 0);  // the webhook port was really under load
}

}  // namespace subkeeper::testing
