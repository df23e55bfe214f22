// The two listeners. Both are the same small HTTP/1.1 server on one epoll loop and a worker pool
// (src/server/event_server.h): idle and half-sent connections cost a file descriptor, never a
// thread. Both bind explicitly (port 0 = any) so callers learn the real port before serving.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/server/request_handler.h"

namespace subkeeper::server {

namespace internal {
class EventServer;
}

// How a listener serves connections. Values below their minimum are raised to it.
struct ServerOptions {
  int threads = 32;                // worker threads (more than the expected idle connections)
  int64_t read_timeout_ms = 2000;  // a request must be complete this long after its first byte
  int64_t keep_alive_s = 1;        // an idle connection is closed after this; 0 = after each answer
  int64_t max_body_bytes = 262144;  // a larger request body is answered 413
  int64_t commit_budget_ms = 2000;  // how long a handler may take; Stop() waits this + 1 s
};

// The webhook listener's certificate and key (PEM files).
struct TlsOptions {
  std::string cert_path;  // certificate chain, leaf first
  std::string key_path;   // private key, not encrypted
  // Reads one of the files above whole; its error is reported with the file's name. The app
  // passes its bounded reader (regular files of limited size, never blocking on a FIFO). Required.
  std::function<Result<std::string>(const std::string& path)> read_file;
};

// The public webhook listener. Built so that idle keep-alive and half-sent connections cannot
// delay anyone: they cost an fd, not a thread.
//   - The Validation-Token handshake (any method, any path) is answered on the event loop as
//     soon as the headers are complete, never waiting for a body; a POST without Content-Length
//     or Transfer-Encoding has no body. A handshake whose request declared a body is answered
//     with "Connection: close" (the body is never read).
//   - Other requests are read whole (Content-Length or chunked, at most max_body_bytes, else 413
//     and close) within read_timeout_ms of their first byte (else 408 and close), then routed on
//     one of `options.threads` workers: POST /webhooks/<account>/<name> →
//     handler.Handle; other methods on that prefix 405; anything else 404. Every
//     error answer has a {"error": …} JSON body; a malformed request is answered 400 (431 for a
//     head over 16 KiB, 501 for a transfer coding other than chunked) and closed.
//   - Keep-alive: HTTP/1.1 unless "Connection: close", HTTP/1.0 only when asked; an idle
//     connection is closed after keep_alive_s (0 = close after each answer). At most 10000
//     connections; more are accepted and closed at once.
// Start/Stop/Bind are for one owner thread.
class WebhookServer {
 public:
  // `handler` must outlive the server.
  WebhookServer(RequestHandler& handler, const ServerOptions& options);
  ~WebhookServer();  // Stop()s

  // Serves TLS (1.2 minimum; no compression, no renegotiation) with the PEM certificate chain
  // and key of `tls`, from Start on. kInvalidArgument naming the file when one cannot be loaded
  // or the key does not match the certificate. Call before Start.
  Status UseTls(const TlsOptions& tls);
  // Binds; returns the bound port (port 0 = any free one). kUnavailable when the address cannot
  // be bound. Call once, before Start.
  Result<int> Bind(const std::string& host, int port);
  void Start();  // serves on a background thread; returns once connections are accepted
  // Stops accepting, lets requests a worker holds finish (up to commit_budget_ms + 1 s), closes
  // every connection, joins. Idempotent.
  void Stop();
  bool running() const;

  struct TlsContext;  // an SSL_CTX, freed with it

 private:
  std::unique_ptr<TlsContext> tls_;  // declared first: outlives impl_
  std::unique_ptr<internal::EventServer> impl_;
};

// Loads `tls` as WebhookServer::UseTls would, for `subkeeper check`: the same error, nothing kept.
Status CheckTls(const TlsOptions& tls);

// What the admin listener shows. Implemented by the app; called on admin request threads.
class AdminSource {
 public:
  virtual ~AdminSource() = default;
  struct Readiness {
    bool ready = false;
    std::vector<std::string> reasons;  // why not ready; empty when ready
    int config_generation = 0;         // the applied config generation (0 = none yet)
    std::string config_refused;        // why the newest config was refused; "" when none was
  };
  virtual Readiness GetReadiness() = 0;
  // The JSON document served at GET /v1/subscriptions. Never contains a secret.
  virtual std::string SubscriptionsJson() = 0;
  // POST /v1/relay/wake: events were requeued by another process (`subkeeper replay`); look
  // for them now instead of at the relay's next idle check.
  virtual void WakeRelay() {}
  // GET /metrics: the Prometheus text exposition (format 0.0.4).
  virtual std::string MetricsText() { return ""; }
  // An answer of the per-subscription endpoints: an HTTP status and its JSON body.
  struct Answer {
    int status = 404;
    std::string body = R"({"error":"not found"})";
  };
  // GET /v1/subscriptions/<account>/<name>: one entry of SubscriptionsJson (404 when the
  // subscription is not configured).
  virtual Answer SubscriptionJson(const std::string& /*account*/, const std::string& /*name*/) {
    return {};
  }
  // POST /v1/subscriptions/<account>/<name>/renew: renew it now (202 when queued, 404 when not
  // configured).
  virtual Answer RequestRenewal(const std::string& /*account*/, const std::string& /*name*/) {
    return {};
  }
};

struct AdminOptions {
  // read_timeout_ms (the header deadline), keep_alive_s and max_body_bytes (at most 64 KiB);
  // threads and commit_budget_ms are ignored.
  ServerOptions server;
  // When not empty, every endpoint but /healthz and /readyz wants "Authorization: Bearer
  // <token>" (401 with WWW-Authenticate otherwise); compared in constant time.
  Secret token;
};

// The admin listener: GET /healthz (200 {"status":"ok"}), GET /readyz (200, or 503 with
// {"ready":false,"reasons":[…]}), GET /v1/subscriptions, GET /v1/subscriptions/<account>/<name>,
// POST /v1/subscriptions/<account>/<name>/renew, POST /v1/relay/wake (202 {"woken":true}),
// GET /metrics (Prometheus text format). HEAD works wherever GET does. Unknown paths 404, a
// known path with another method 405, both with a JSON reason.
// Served like the webhook listener (see above): a request must be complete within
// read_timeout_ms of its first byte (else 408 and close), a connection that never starts one is
// closed after read_timeout_ms, an idle one after keep_alive_s; at most 1024 connections. GET
// /healthz is answered on the event loop as soon as its head is parsed, so no slow client and no
// busy worker can delay it; every other request runs on one of 4 workers once it is complete,
// so trickling or idle clients cannot delay /readyz either.
class AdminServer {
 public:
  // `source` must outlive the server.
  explicit AdminServer(AdminSource& source, AdminOptions options = {});
  ~AdminServer();  // Stop()s

  // Binds; returns the bound port (port 0 = any free one). kUnavailable when the address cannot
  // be bound. Call once, before Start.
  Result<int> Bind(const std::string& host, int port);
  void Start();  // serves on a background thread; returns once connections are accepted
  void Stop();   // idempotent

 private:
  Secret token_;  // declared before impl_: its handlers read it until impl_ is stopped
  std::unique_ptr<internal::EventServer> impl_;
};

}  // namespace subkeeper::server
