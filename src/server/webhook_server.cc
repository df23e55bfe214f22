#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
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

HttpResponse ToHttp(HandlerResponse from) {
  HttpResponse to;
  to.status = from.status;
  to.headers = std::move(from.headers);
  to.body = std::move(from.body);
  return to;
}

// On the loop thread: the handshake needs nothing but the headers, so it never waits for a
// body, a worker or a slow client.
std::optional<HttpResponse> AnswerHandshake(RequestHandler& handler, const HttpRequest& request) {
  const std::string* token = request.Header("Validation-Token");
  if (token == nullptr) return std::nullopt;
  return ToHttp(handler.AnswerHandshake(*token));
}

HttpResponse Route(RequestHandler& handler, const HttpRequest& request) {
  if (!request.path.starts_with(kWebhookPrefix)) return internal::JsonError(404, "not found");
  if (request.method != "POST") return internal::JsonError(405, "method not allowed");
  return ToHttp(handler.Handle(request.path, request.headers, request.body));
}

internal::EventServerOptions ToOptions(const ServerOptions& options) {
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

// A memory BIO over `pem`, freed with it.
struct MemoryBio {
  explicit MemoryBio(const std::string& pem)
      : bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))) {}
  ~MemoryBio() { BIO_free(bio); }
  MemoryBio(const MemoryBio&) = delete;
  MemoryBio& operator=(const MemoryBio&) = delete;
  BIO* bio;
};

// No passphrase: an encrypted key fails to load instead of prompting on a terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

// The leaf certificate and the chain after it, as SSL_CTX_use_certificate_chain_file would load
// them, from text already read; an OpenSSL reason when they do not load.
std::optional<std::string> UseCertificateChain(SSL_CTX* ctx, const std::string& pem) {
  MemoryBio in(pem);
  if (in.bio == nullptr) return OpenSslReason();
  X509* leaf = PEM_read_bio_X509_AUX(in.bio, nullptr, NoPassphrase, nullptr);
  if (leaf == nullptr) return OpenSslReason();
  const bool used = SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  if (!used || SSL_CTX_clear_chain_certs(ctx) != 1) return OpenSslReason();
  while (X509* ca = PEM_read_bio_X509(in.bio, nullptr, NoPassphrase, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
      X509_free(ca);
      return OpenSslReason();
    }
  }
  // The chain ends where no further PEM block starts; anything else is an error.
  const unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
    return std::nullopt;
  }
  return OpenSslReason();
}

// A server context for `tls` in `context`: TLS 1.2 at least, no compression or renegotiation,
// the certificate chain and a key that matches it. The files are read with tls.read_file, so
// they are read as the caller reads every file it is given (the app: regular files of bounded
// size, never blocking on a FIFO or reading a device without end).
Status LoadTls(const TlsOptions& tls, SSL_CTX*& context) {
  ERR_clear_error();
  context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return Status::Internal("TLS: " + OpenSslReason());
  SSL_CTX* ctx = context;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (!tls.read_file) return Status::InvalidArgument("TLS: no way to read the files was given");
  Result<std::string> cert = tls.read_file(tls.cert_path);
  if (!cert.ok()) {
    return Status::InvalidArgument("listen.tls.cert: cannot load '" + tls.cert_path +
                                   "': " + cert.status().message());
  }
  if (auto reason = UseCertificateChain(ctx, *cert)) {
    return Status::InvalidArgument("listen.tls.cert: cannot load '" + tls.cert_path +
                                   "': " + *reason);
  }
  Result<std::string> key_pem = tls.read_file(tls.key_path);
  if (!key_pem.ok()) {
    return Status::InvalidArgument("listen.tls.key: cannot load '" + tls.key_path +
                                   "': " + key_pem.status().message());
  }
  bool key_loaded = false;
  {
    MemoryBio in(*key_pem);
    EVP_PKEY* key = in.bio != nullptr
                        ? PEM_read_bio_PrivateKey(in.bio, nullptr, NoPassphrase, nullptr)
                        : nullptr;
    if (key != nullptr) {
      key_loaded = SSL_CTX_use_PrivateKey(ctx, key) == 1;
      EVP_PKEY_free(key);
    }
  }
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

Status CheckTls(const TlsOptions& tls) {
  WebhookServer::TlsContext context;
  return LoadTls(tls, context.ctx);
}

Status WebhookServer::UseTls(const TlsOptions& tls) {
  auto context = std::make_unique<TlsContext>();
  SK_RETURN_IF_ERROR(LoadTls(tls, context->ctx));
  // OpenSSL writes with write(2), which raises SIGPIPE when a client has gone; plain
  // connections use send(MSG_NOSIGNAL). A server wants EPIPE instead, process-wide.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->SetTls(context->ctx);
  tls_ = std::move(context);
  return Status::OK();
}

WebhookServer::WebhookServer(RequestHandler& handler, const ServerOptions& options)
    : impl_(std::make_unique<internal::EventServer>(
          internal::EventHandlers{
              [&handler](const HttpRequest& request) { return AnswerHandshake(handler, request); },
              [&handler](const HttpRequest& request) { return Route(handler, request); }},
          ToOptions(options))) {}

WebhookServer::~WebhookServer() { Stop(); }

Result<int> WebhookServer::Bind(const std::string& host, int port) {
  return impl_->Bind(host, port);
}

void WebhookServer::Start() { impl_->Start(); }

void WebhookServer::Stop() { impl_->Stop(); }

bool WebhookServer::running() const { return impl_->running(); }

}  // namespace subkeeper::server
