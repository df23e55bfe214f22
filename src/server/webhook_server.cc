#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <csignal>
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

// OpenSSL's reason for the last failure, e.g. "no such file" or "key values mismatch".
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(code);
}

}  // namespace

struct WebhookServer::TlsContext {
  ~TlsContext() { SSL_CTX_free(ctx); }
  SSL_CTX* ctx = nullptr;
};

namespace {

// A server context for `tls` in `context`: TLS 1.2 at least, no compression or renegotiation,
// the certificate chain and a key that matches it.
Status LoadTls(const config::TlsConfig& tls, SSL_CTX*& context) {
  ERR_clear_error();
  context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return Status::Internal("TLS: " + OpenSslReason());
  SSL_CTX* ctx = context;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_path.c_str()) != 1) {
    return Status::InvalidArgument("listen.tls.cert: cannot load '" + tls.cert_path +
                                   "': " + OpenSslReason());
  }
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(ctx, tls.key_path.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!key_loaded && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    return Status::InvalidArgument("listen.tls.key: cannot load '" + tls.key_path +
                                   "': " + OpenSslReason());
  }
  if (!key_loaded || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("listen.tls.key: '" + tls.key_path +
                                   "' does not match the certificate in '" + tls.cert_path + "'");
  }
  return Status::OK();
}

}  // namespace

Status CheckTls(const config::TlsConfig& tls) {
  WebhookServer::TlsContext context;
  return LoadTls(tls, context.ctx);
}

Status WebhookServer::UseTls(const config::TlsConfig& tls) {
  auto context = std::make_unique<TlsContext>();
  SK_RETURN_IF_ERROR(LoadTls(tls, context->ctx));
  // OpenSSL writes with write(2), which raises SIGPIPE when a client has gone; plain
  // connections use send(MSG_NOSIGNAL). A server wants EPIPE instead, process-wide.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->SetTls(context->ctx);
  tls_ = std::move(context);
  return Status::OK();
}

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
