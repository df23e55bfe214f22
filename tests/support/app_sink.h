// The user's app as the relay sees it: an in-process HTTP server on 127.0.0.1 (a port the kernel
// chooses) that records every request it receives, in arrival order, and answers as the test
// programs it, per path: a fixed status, a failure for the next K requests, or a stall (the
// request is held until Release or a deadline, like an app that hangs).
//
// Thread-safety: every method may be called from any thread; requests are served on the server's
// own threads. The destructor releases stalled requests and stops the server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace subkeeper::testing {

// One request the app received.
struct SinkRequest {
  int64_t index = 0;  // 0, 1, 2, … in arrival order
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point arrived;
  int status = 0;        // what the sink answered (or will answer, for a stalled request)
  bool stalled = false;  // it was held before the answer

  // The first value of header `name` (any case), "" when absent.
  std::string Header(const std::string& name) const;
  bool ok() const { return status / 100 == 2; }
};

class AppSink {
 public:
  // Binds 127.0.0.1:0 and serves; REQUIREs that the bind succeeded.
  AppSink();
  ~AppSink();
  AppSink(const AppSink&) = delete;
  AppSink& operator=(const AppSink&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>"
  std::string Url(const std::string& path) const;

  // Behaviour of requests to `path` (exact match; any method). Paths never programmed answer 200.
  // Status answered from now on (until changed).
  void SetStatus(const std::string& path, int status);
  // The next `count` requests to `path` answer `status`; then the SetStatus one again.
  void FailNext(const std::string& path, int count, int status = 500);
  // From now on, requests to `path` are held until ReleaseStalls(path) or `max_hold` has passed
  // since each arrived (a safety net so a forgotten stall cannot hang the test), then answered.
  void Stall(const std::string& path, std::chrono::milliseconds max_hold);
  // Ends the stall of `path`: held requests are answered now, new ones are not held.
  void ReleaseStalls(const std::string& path);

  // A copy of every request so far, in arrival order.
  std::vector<SinkRequest> Requests() const;
  // Those to `path`.
  std::vector<SinkRequest> RequestsTo(const std::string& path) const;
  // How many requests are being held right now.
  int Held() const;

  // Waits until `predicate(requests so far)` holds (→ true) or `timeout` passes (→ false). The
  // predicate is evaluated under the sink's lock on every new request (no polling): keep it cheap
  // and do not call the sink from it.
  bool WaitFor(const std::function<bool(const std::vector<SinkRequest>&)>& predicate,
               std::chrono::milliseconds timeout) const;

 private:
  struct PathBehaviour {
    int status = 200;
    int fail_next = 0;
    int fail_status = 500;
    bool stall = false;
    std::chrono::milliseconds max_hold{0};
    int64_t release_epoch = 0;  // bumped by ReleaseStalls; a held request waits for a change
  };

  // Records the request, decides the answer and, for a stall, holds the calling server thread.
  int Handle(SinkRequest request);

  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // signalled on every request and every behaviour change
  std::vector<SinkRequest> requests_;   // guarded by mu_
  std::map<std::string, PathBehaviour> behaviour_;  // guarded by mu_
  int held_ = 0;                                    // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
};

// The webhook-ids of the requests the sink answered 2xx, each once, in the order of its first such
// answer: the order in which the app received the events.
std::vector<std::string> FirstDeliveries(const std::vector<SinkRequest>& requests);

// Whether the request carries a valid Standard Webhooks signature under `key` (relay::Verify at
// the current time).
bool SignedWith(const SinkRequest& request, const std::string& key);

}  // namespace subkeeper::testing
