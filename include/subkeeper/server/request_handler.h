// What the webhook listener (server/http_server.h) asks of the module that owns the requests:
// an answer to the Validation-Token handshake and an answer to every other request on the
// webhook prefix. The server parses, times and frames HTTP; the handler decides. Implemented by
// webhook::WebhookReceiver.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/http/http.h"

namespace subkeeper::server {

// An answer to put on the wire. Content-Length and Connection are the server's to write.
struct HandlerResponse {
  int status = 200;
  http::Headers headers;  // Content-Type application/json unless one is given
  std::string body;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  // A request carrying "Validation-Token: <token>" (any method, any path), as soon as its head is
  // complete: the body is never read. Called on the event-loop thread, so it must not block.
  virtual HandlerResponse AnswerHandshake(std::string_view token) = 0;

  // A complete POST to a path under "/webhooks/" (the server answers 405 to other methods there
  // and 404 elsewhere). Called on worker threads, several at a time; returns within the
  // listener's commit_budget_ms so that Stop() is not held up.
  virtual HandlerResponse Handle(std::string_view path, const http::Headers& headers,
                                 std::string_view body) = 0;
};

}  // namespace subkeeper::server
