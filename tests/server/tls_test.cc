// TLS on the webhook listener: the handshake and notifications over TLS, TLS 1.2 as the floor,
// plain HTTP and silent clients that cannot disturb anyone, and certificate errors at start.
// Certificates are made at test time with the OpenSSL API (no key is committed).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "server/raw_http.h"
#include "subkeeper/config/limits.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/subscription/token.h"
#include "subkeeper/webhook/receiver.h"
#include "support/tls_files.h"
#include "webhook/fake_sink.h"

namespace subkeeper::server {
namespace {

using testing::Parse;
using testing::ParsedResponse;
using testing::RawConnection;
using Ms = std::chrono::milliseconds;
using subkeeper::testing::TlsFiles;

// The listener's TLS options, with the files read as the app reads them.
TlsOptions Tls(const std::string& cert_path, const std::string& key_path) {
  TlsOptions tls{cert_path, key_path, nullptr};
  tls.read_file = [](const std::string& path) {
    return config::ReadBoundedFile(path, config::kMaxTlsFileBytes);
  };
  return tls;
}

struct TlsListener {
  explicit TlsListener(const TlsFiles& files)
      : receiver(routes, sink, nullptr, clock, webhook::ReceiverOptions{}),
        server(receiver, Options()) {
    routes.Publish({{"main/sms", webhook::Route{Secret(token), nullptr, "sub-1"}}});
    REQUIRE(server.UseTls(Tls(files.cert_path(), files.key_path())).ok());
    auto bound = server.Bind("127.0.0.1", 0);
    REQUIRE(bound.ok());
    port = *bound;
    server.Start();
  }
  ~TlsListener() { server.Stop(); }
  static ServerOptions Options() {
    ServerOptions options;
    options.threads = 4;
    options.read_timeout_ms = 5000;  // far longer than any check below allows
    options.keep_alive_s = 5;
    return options;
  }

  const std::string token =
      subscription::DeriveVerificationToken(Secret("s3cret"), "main", "sms").Reveal();
  webhook::RouteTable routes;
  webhook::testing::FakeSink sink;
  SystemClock clock;
  webhook::WebhookReceiver receiver;
  WebhookServer server;
  int port = 0;
};

// A blocking TLS client that trusts only the test certificate.
class TlsClient {
 public:
  // `max_version` 0 = any; `security_level` 0 lets OpenSSL offer old versions at all.
  TlsClient(const TlsFiles& files, int port, int max_version = 0, int security_level = 1) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(ctx_, security_level);
    if (max_version != 0) {
      SSL_CTX_set_min_proto_version(ctx_, max_version);
      SSL_CTX_set_max_proto_version(ctx_, max_version);
    }
    SSL_CTX_load_verify_locations(ctx_, files.cert_path().c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "127.0.0.1");
    connected_ = SSL_connect(ssl_) == 1;
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }
  bool connected() const { return connected_; }
  std::string version() const { return SSL_get_version(ssl_); }

  // Sends `request` and reads one answer (head, then Content-Length bytes).
  ParsedResponse Exchange(const std::string& request) {
    REQUIRE(SSL_write(ssl_, request.data(), static_cast<int>(request.size())) ==
            static_cast<int>(request.size()));
    std::string raw;
    char buffer[4096];
    for (;;) {
      const size_t head_end = raw.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const ParsedResponse head = Parse(raw);
        const std::string length = head.Header("content-length");
        if (raw.size() >= head_end + 4 + (length.empty() ? 0 : std::stoul(length))) break;
      }
      const int n = SSL_read(ssl_, buffer, sizeof(buffer));
      if (n <= 0) break;
      raw.append(buffer, static_cast<size_t>(n));
    }
    return Parse(raw);
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

std::string Notification(const std::string& token, const std::string& uuid) {
  const std::string body = R"({"uuid":")" + uuid +
                           R"(","event":"/restapi/v1.0/account/1/extension/2/presence",)"
                           R"("timestamp":"2024-05-01T10:00:00.000Z","subscriptionId":"sub-1",)"
                           R"("body":{}})";
  return "POST /webhooks/main/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nVerification-Token: " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST_CASE("over TLS the handshake and notifications are answered on one connection",
          "[server][tls]") {
  TlsFiles files;
  TlsListener l(files);
  TlsClient client(files, l.port);
  REQUIRE(client.connected());
  const ParsedResponse handshake = client.Exchange(
      "POST /webhooks/main/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nValidation-Token: tls-token\r\n"
      "Content-Length: 0\r\n\r\n");
  CHECK(handshake.status == 200);
  CHECK(handshake.Header("validation-token") == "tls-token");
  // Keep-alive: two notifications on the same TLS session.
  CHECK(client.Exchange(Notification(l.token, "tls-1")).status == 200);
  CHECK(client.Exchange(Notification(l.token, "tls-2")).status == 200);
  CHECK(l.sink.calls().size() == 2);
}

TEST_CASE("the TLS listener refuses versions below 1.2", "[server][tls]") {
  TlsFiles files;
  TlsListener l(files);
  // The same client, willing to speak TLS 1.1 (security level 0), is refused by the server…
  TlsClient old(files, l.port, TLS1_1_VERSION, /*security_level=*/0);
  CHECK_FALSE(old.connected());
  // …and gets in with 1.2 and 1.3.
  TlsClient v12(files, l.port, TLS1_2_VERSION, /*security_level=*/0);
  CHECK(v12.connected());
  CHECK(v12.version() == "TLSv1.2");
  TlsClient v13(files, l.port, TLS1_3_VERSION);
  CHECK(v13.connected());
}

TEST_CASE("plain HTTP on the TLS port gets no HTTP answer and disturbs no one", "[server][tls]") {
  TlsFiles files;
  TlsListener l(files);
  RawConnection plain(l.port);
  REQUIRE(
      plain.Send("POST /webhooks/main/sms HTTP/1.1\r\nHost: x\r\nValidation-Token: t\r\n"
                 "Content-Length: 0\r\n\r\n"));
  const std::string answer = plain.ReadResponse();
  CHECK(answer.find("HTTP/1.1") == std::string::npos);
  CHECK(answer.find("Validation-Token") == std::string::npos);
  TlsClient client(files, l.port);
  CHECK(client.connected());
}

TEST_CASE("a client that never sends its TLS hello delays nobody", "[server][tls]") {
  TlsFiles files;
  TlsListener l(files);
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 8; ++i) silent.push_back(std::make_unique<RawConnection>(l.port));
  const auto start = std::chrono::steady_clock::now();
  TlsClient client(files, l.port);
  REQUIRE(client.connected());
  const ParsedResponse handshake = client.Exchange(
      "POST /webhooks/main/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nValidation-Token: quick\r\n\r\n");
  const auto elapsed = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
  CHECK(handshake.status == 200);
  // The silent connections hold no worker: far below the 5 s read timeout they would cost.
  CHECK(elapsed < Ms(1000));
}

TEST_CASE("a missing certificate or a key of another certificate is refused at start",
          "[server][tls]") {
  TlsFiles files;
  webhook::RouteTable routes;
  webhook::testing::FakeSink sink;
  SystemClock clock;
  webhook::WebhookReceiver receiver(routes, sink, nullptr, clock, webhook::ReceiverOptions{});
  WebhookServer server(receiver, TlsListener::Options());
  const Status mismatched = server.UseTls(Tls(files.cert_path(), files.other_key_path()));
  CHECK(mismatched.code() == StatusCode::kInvalidArgument);
  CHECK(mismatched.message().find("does not match the certificate") != std::string::npos);
  const Status missing = server.UseTls(Tls("/nonexistent/cert.pem", files.key_path()));
  CHECK(missing.code() == StatusCode::kInvalidArgument);
  CHECK(missing.message().find("listen.tls.cert: cannot load '/nonexistent/cert.pem'") == 0);
  // `subkeeper check` runs the same loading.
  CHECK(CheckTls(Tls(files.cert_path(), files.other_key_path())).message() == mismatched.message());
  CHECK(CheckTls(Tls(files.cert_path(), files.key_path())).ok());
  // Never the key material.
  CHECK(mismatched.message().find("PRIVATE KEY") == std::string::npos);
}

}  // namespace
}  // namespace subkeeper::server
