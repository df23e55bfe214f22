// The webhook request logic, independent of the HTTP library: route, verify, parse, commit,
// answer. The HTTP adapter (server/webhook_server.h) only translates requests and responses.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"
#include "subkeeper/server/request_handler.h"
#include "subkeeper/store/records.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::webhook {

// Where accepted notifications go. Commit returns only once the event is durable (or known to
// be a duplicate). kDeadlineExceeded / kUnavailable when that could not happen by `deadline`:
// the caller answers 503 and the platform retries. Thread-safe.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) = 0;
};

// Told about every committed reminder that matches a known subscription (called on the request
// thread after the commit; must not block).
using ReminderCallback = std::function<void(const std::string& account, const std::string& name,
                                            const std::string& subscription_id)>;

// An answer: status, headers, and a body that is "" or a short JSON reason {"error":"..."}.
using WebhookResponse = server::HandlerResponse;

struct ReceiverOptions {
  size_t max_body_bytes = 262144;
  std::chrono::milliseconds commit_budget{2000};
};

// The webhook listener's handler (server::RequestHandler). Thread-safe.
class WebhookReceiver final : public server::RequestHandler {
 public:
  // All references must outlive the receiver.
  WebhookReceiver(const RouteTable& routes, EventSink& sink, ReminderCallback on_reminder,
                  const Clock& clock, ReceiverOptions options);

  // The Validation-Token handshake: 200, token echoed, Content-Type: application/json, no body.
  // Answered for any path before the body is read. Only a token of 1 to kMaxValidationTokenChars
  // visible ASCII characters (0x21-0x7E) is echoed; any other gets 400 with a JSON reason and no
  // Validation-Token header, so a control character can never reach our own answer.
  static constexpr size_t kMaxValidationTokenChars = 256;
  static WebhookResponse Handshake(std::string_view validation_token);

  // A notification POSTed to `path` ("/webhooks/<account>/<name>"):
  //   unknown path 404; wrong or missing Verification-Token 403; body over the limit 413;
  //   not a JSON envelope 400; not committed within the budget 503; otherwise 200 after commit
  //   (also for a duplicate uuid). Errors carry {"error":"<short reason>"}.
  // A committed reminder (event == the route's reminder filter and subscriptionId == its
  // remote id) is passed to the reminder callback and not relayed.
  WebhookResponse HandleNotification(std::string_view path, const http::Headers& headers,
                                     std::string_view body);

  // server::RequestHandler: Handshake and HandleNotification.
  WebhookResponse AnswerHandshake(std::string_view token) override { return Handshake(token); }
  WebhookResponse Handle(std::string_view path, const http::Headers& headers,
                         std::string_view body) override {
    return HandleNotification(path, headers, body);
  }

 private:
  const RouteTable& routes_;
  EventSink& sink_;
  ReminderCallback on_reminder_;
  const Clock& clock_;
  ReceiverOptions options_;
};

}  // namespace subkeeper::webhook
