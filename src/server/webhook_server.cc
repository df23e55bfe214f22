#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "event_server.h"
#include "http_message.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::server {

namespace {

using internal::HttpRequest;
using internal::HttpResponse;

constexpr std::string_view kWebhookPrefix = "/webhooks/";

HttpResponse ToHttp(webhook::WebhookResponse from) {
  HttpResponse to;
  to.status = from.status;
  to.headers = std::move(from.headers);
  to.body = std::move(from.body);
  return to;
}

// On the loop thread: the handshake needs nothing but the headers, so it never waits for a
// body, a worker or a slow client.
std::optional<HttpResponse> AnswerHandshake(const HttpRequest& request) {
  const std::string* token = request.Header("Validation-Token");
  if (token == nullptr) return std::nullopt;
  return ToHttp(webhook::WebhookReceiver::Handshake(*token));
}

HttpResponse Route(webhook::WebhookReceiver& receiver, const HttpRequest& request) {
  if (!request.path.starts_with(kWebhookPrefix)) return internal::JsonError(404, "not found");
  if (request.method != "POST") return internal::JsonError(405, "method not allowed");
  return ToHttp(receiver.HandleNotification(request.path, request.headers, request.body));
}

internal::EventServerOptions ToOptions(const config::ServerConfig& options) {
  internal::EventServerOptions o;
  o.threads = options.threads;
  o.read_timeout_ms = std::max<int64_t>(1, options.read_timeout_ms);
  o.keep_alive_s = std::max<int64_t>(0, options.keep_alive_s);
  o.max_body_bytes = static_cast<size_t>(std::max<int64_t>(0, options.max_body_bytes));
  // A request with a worker ends within the commit budget; the second is for writing it.
  o.stop_grace_ms = std::max<int64_t>(0, options.commit_budget_ms) + 1000;
  return o;
}

}  // namespace

WebhookServer::WebhookServer(webhook::WebhookReceiver& receiver,
                             const config::ServerConfig& options)
    : impl_(std::make_unique<internal::EventServer>(
          internal::EventHandlers{
              AnswerHandshake,
              [&receiver](const HttpRequest& request) { return Route(receiver, request); }},
          ToOptions(options))) {}

WebhookServer::~WebhookServer() { Stop(); }

Result<int> WebhookServer::Bind(const std::string& host, int port) {
  return impl_->Bind(host, port);
}

void WebhookServer::Start() { impl_->Start(); }

void WebhookServer::Stop() { impl_->Stop(); }

bool WebhookServer::running() const { return impl_->running(); }

}  // namespace subkeeper::server
