#include "scenarios/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

namespace subkeeper::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Fills status and headers from the head (everything before the blank line).
bool ParseHead(const std::string& head, RawResponse& out) {
  size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  out.status = std::atoi(status_line.c_str() + 9);
  while (line_end != std::string::npos && line_end + 2 < head.size()) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = Trim(line.substr(colon + 1));
  }
  return true;
}

// Whether `out.bytes` holds a whole response; `closed` = the peer has closed its side.
bool Complete(RawResponse& out, bool closed) {
  const size_t head_end = out.bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  out.headers.clear();
  if (!ParseHead(out.bytes.substr(0, head_end), out)) return false;
  const size_t body_start = head_end + 4;
  auto length = out.headers.find("content-length");
  if (length == out.headers.end()) {
    if (closed) out.body = out.bytes.substr(body_start);
    return closed;
  }
  const size_t want = std::stoul(length->second);
  if (out.bytes.size() < body_start + want) return false;
  out.body = out.bytes.substr(body_start, want);
  return true;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

RawResponse RawExchange(int port, const std::string& request, std::chrono::milliseconds timeout) {
  RawResponse out;
  Socket sock;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (sock.fd() < 0 ||
      connect(sock.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    out.error = std::string("connect: ") + std::strerror(errno);
    return out;
  }
  const auto start = SteadyClock::now();
  const auto deadline = start + timeout;
  if (!SendAll(sock.fd(), request)) {
    out.error = std::string("send: ") + std::strerror(errno);
    return out;
  }
  bool closed = false;
  while (!Complete(out, closed)) {
    if (closed) {
      out.error = "connection closed before a complete response";
      return out;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    pollfd pfd{sock.fd(), POLLIN, 0};
    if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
      out.error = "timed out waiting for the response";
      return out;
    }
    char buf[4096];
    const ssize_t n = recv(sock.fd(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed = true;
    } else {
      out.bytes.append(buf, static_cast<size_t>(n));
    }
  }
  out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
  return out;
}

}  // namespace subkeeper::testing
