#include "connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace subkeeper::server::internal {

Connection::~Connection() {
  if (ssl != nullptr) SSL_free(ssl);
  ::close(fd);
}

Io Connection::Handshake() {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl);
  if (r == 1) {
    tls_handshake = false;
    return Io::kDone;
  }
  switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ:
      return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Io::kWantWrite;
    default:
      return Io::kClosed;  // not TLS (plain HTTP on the TLS port), a refused version or cipher, …
  }
}

Io Connection::Read(bool& got) {
  got = false;
  if (ssl == nullptr) {
    char buffer[65536];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      in.append(buffer, static_cast<size_t>(n));
      got = true;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      return Io::kClosed;  // nobody is left to answer, even for a request under way
    }
    return Io::kWantRead;
  }
  char buffer[16384];
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl, buffer, sizeof(buffer));
    if (n > 0) {
      in.append(buffer, static_cast<size_t>(n));
      got = true;
      continue;
    }
    const int error = SSL_get_error(ssl, n);
    if (error == SSL_ERROR_WANT_READ) return Io::kWantRead;
    if (error == SSL_ERROR_WANT_WRITE) return Io::kWantWrite;
    return Io::kClosed;  // close_notify, a reset or a protocol error
  }
}

Io Connection::Write() {
  while (sent < out.size()) {
    if (ssl != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl, out.data() + sent, static_cast<int>(out.size() - sent));
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      const int error = SSL_get_error(ssl, n);
      if (error == SSL_ERROR_WANT_WRITE) return Io::kWantWrite;
      if (error == SSL_ERROR_WANT_READ) return Io::kWantRead;
      return Io::kClosed;
    }
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Io::kWantWrite;
    } else {
      return Io::kClosed;
    }
  }
  return Io::kDone;
}

void Connection::SendBestEffort(std::string_view bytes) {
  if (ssl != nullptr) {
    ERR_clear_error();
    SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    return;
  }
  [[maybe_unused]] ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

void Connection::ShutdownWrite() {
  if (ssl != nullptr) {
    ERR_clear_error();
    SSL_shutdown(ssl);  // close_notify, best effort; what the client sends is discarded raw
  }
  ::shutdown(fd, SHUT_WR);
}

bool Connection::Discard() {
  char buffer[16384];
  const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
  return !(n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR));
}

}  // namespace subkeeper::server::internal
