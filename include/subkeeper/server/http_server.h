// The two listeners, over cpp-httplib (Debian's shared build, so all tuning uses the runtime
// setters). Both bind explicitly (port 0 = any) so callers learn the real port before serving.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"
#include "subkeeper/webhook/receiver.h"

namespace httplib {
class Server;
}

namespace subkeeper::server {

// The public webhook listener. Hardened against the traps measured in
// ../shared/reference/measurement-notes.md: the Validation-Token handshake is answered in the
// pre-routing handler (before any body is read, so a POST without Content-Length does not wait
// for the read timeout); a worker pool larger than the expected idle connections; short
// keep-alive and read timeouts; a payload limit.
//
// Routes: POST /webhooks/<account>/<name> → receiver.HandleNotification; other methods on that
// prefix 405; anything else 404; every error answer has a {"error": …} JSON body. A handshake
// whose request still carries an unread body is answered with "Connection: close".
// Start/Stop/Bind are for one owner thread; requests are served on `options.threads` workers.
class WebhookServer {
 public:
  // `receiver` must outlive the server.
  WebhookServer(webhook::WebhookReceiver& receiver, const config::ServerConfig& options);
  ~WebhookServer();  // Stop()s

  // Binds; returns the bound port (port 0 = any free one). kUnavailable when the address cannot
  // be bound. Call once, before Start.
  Result<int> Bind(const std::string& host, int port);
  void Start();  // serves on a background thread; returns once connections are accepted
  void Stop();   // stops accepting, lets open connections finish, joins. Idempotent.
  bool running() const;

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

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
};

// The admin listener: GET /healthz (200 {"status":"ok"}), GET /readyz (200, or 503 with
// {"ready":false,"reasons":[…]}), GET /v1/subscriptions. Unknown paths 404 with a JSON reason.
// A pool of 4 threads; timeouts and the body limit come from `options` (threads is ignored).
class AdminServer {
 public:
  // `source` must outlive the server.
  explicit AdminServer(AdminSource& source, const config::ServerConfig& options = {});
  ~AdminServer();

  Result<int> Bind(const std::string& host, int port);
  void Start();
  void Stop();

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

}  // namespace subkeeper::server
