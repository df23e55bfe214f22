#include <httplib.h>

#include <string>
#include <utility>

#include "http_common.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::server {

namespace {

using httplib::Server;

constexpr const char* kWebhookPattern = R"(/webhooks/.*)";

void Apply(const webhook::WebhookResponse& from, httplib::Response& to) {
  to.status = from.status;
  std::string content_type = "application/json";
  for (const auto& [name, value] : from.headers) {
    if (strcasecmp(name.c_str(), "Content-Type") == 0) {
      content_type = value;
    } else {
      to.set_header(name, value);
    }
  }
  // set_content owns Content-Type, so it is not set twice.
  to.set_content(from.body, content_type);
}

// A handshake answered before its body was read leaves that body in the socket, where it would
// be parsed as the next request; asking the client to close avoids that. HTTP/1.1 gives a
// request without Content-Length or Transfer-Encoding no body, so only these two matter.
bool BodyLeftUnread(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  const std::string length = req.get_header_value("Content-Length");
  return !length.empty() && length.find_first_not_of('0') != std::string::npos;
}

platform::Headers CopyHeaders(const httplib::Request& req) {
  platform::Headers headers;
  headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) headers.emplace_back(name, value);
  return headers;
}

void MethodNotAllowed(const httplib::Request&, httplib::Response& res) {
  internal::SetJsonError(res, 405, "method not allowed");
}

}  // namespace

WebhookServer::WebhookServer(webhook::WebhookReceiver& receiver,
                             const config::ServerConfig& options)
    : http_(std::make_unique<httplib::Server>()) {
  internal::Harden(*http_, options.threads, options);
  // Answered from the request headers alone, before httplib reads (or waits for) a body.
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Validation-Token")) return Server::HandlerResponse::Unhandled;
    Apply(webhook::WebhookReceiver::Handshake(req.get_header_value("Validation-Token")), res);
    if (BodyLeftUnread(req)) res.set_header("Connection", "close");
    return Server::HandlerResponse::Handled;
  });
  http_->Post(kWebhookPattern, [&receiver](const httplib::Request& req, httplib::Response& res) {
    Apply(receiver.HandleNotification(req.path, CopyHeaders(req), req.body), res);
  });
  http_->Get(kWebhookPattern, MethodNotAllowed);
  http_->Put(kWebhookPattern, MethodNotAllowed);
  http_->Patch(kWebhookPattern, MethodNotAllowed);
  http_->Delete(kWebhookPattern, MethodNotAllowed);
  http_->Options(kWebhookPattern, MethodNotAllowed);
}

WebhookServer::~WebhookServer() { Stop(); }

Result<int> WebhookServer::Bind(const std::string& host, int port) {
  return internal::BindServer(*http_, host, port);
}

void WebhookServer::Start() { internal::StartServer(*http_, thread_); }

void WebhookServer::Stop() { internal::StopServer(*http_, thread_); }

bool WebhookServer::running() const { return http_->is_running(); }

}  // namespace subkeeper::server
