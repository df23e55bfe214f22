// Internal to the server module: a small HTTP/1.1 server on one Linux epoll loop plus a worker
// pool. Idle and half-sent connections cost an fd and a buffer, never a thread, so they cannot
// delay the requests the loop answers itself (the webhook handshake).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http_message.h"
#include "subkeeper/common/status.h"

struct ssl_ctx_st;

namespace subkeeper::server::internal {

class EventLoop;

struct EventServerOptions {
  // Serve TLS with this context (not owned; outlives the server), or plain HTTP when null.
  ssl_ctx_st* tls = nullptr;
  int threads = 32;                // workers running `Handlers::complete`
  int64_t read_timeout_ms = 2000;  // from a request's first byte to its last; also per write
  int64_t keep_alive_s = 1;        // idle time between requests; 0 = close after each answer
  size_t max_head_bytes = 16384;   // request line + headers (431 above)
  size_t max_body_bytes = 262144;  // 413 above
  size_t max_connections = 10000;  // beyond it a new connection is accepted and closed
  int64_t stop_grace_ms = 5000;    // how long Stop() waits for requests with a worker
  bool webhook_metrics = true;     // report answers to metrics::Hook::WebhookAnswered
};

struct EventHandlers {
  // Runs on the loop thread once a request's head is parsed, before any body byte is read: a
  // response to send at once (the body is then never read; the connection is closed after the
  // answer if a body was declared), or nullopt to read the body and call `complete`. Must not
  // block.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> head;
  // Runs on a worker thread with the complete request; may block (it holds only that worker).
  std::function<HttpResponse(const HttpRequest&)> complete;
};

// Lifecycle: Bind once, Start, Stop (idempotent; the destructor stops). Bind/Start/Stop are for
// one owner thread. One request at a time per connection: while a worker has it, the loop stops
// reading that connection, so a pipelined request waits its turn.
// Protocol errors are answered with a JSON reason and the connection closed: 400 malformed, 408
// a request not complete within read_timeout_ms (a connection with no request under way is
// closed silently), 413, 431, 501 an unsupported transfer coding. "Expect: 100-continue" gets
// its interim answer before the body is read.
class EventServer {
 public:
  EventServer(EventHandlers handlers, EventServerOptions options);
  ~EventServer();
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // Listens on host:port (IPv4 or IPv6 literal, or a name; port 0 = any) with SO_REUSEADDR
  // only; returns the bound port, kUnavailable when nothing could be bound.
  Result<int> Bind(const std::string& host, int port);
  // Serves TLS with `ctx` (not owned) from Start on. Call before Start.
  void SetTls(ssl_ctx_st* ctx) { options_.tls = ctx; }
  // Starts the loop and the workers. Connections queue in the backlog from Bind on.
  void Start();
  // Stops accepting, waits up to stop_grace_ms for requests a worker holds (their answers are
  // still written, with "Connection: close"), closes every connection, joins all threads.
  void Stop();
  bool running() const { return running_.load(); }

 private:
  EventHandlers handlers_;
  EventServerOptions options_;
  int listen_fd_ = -1;
  std::unique_ptr<EventLoop> loop_;
  std::thread loop_thread_;
  std::atomic<bool> running_{false};
};

}  // namespace subkeeper::server::internal
