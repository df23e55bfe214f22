#include <string>
#include <utility>

#include "subkeeper/server/http_server.h"

namespace subkeeper::server {

namespace {

Status Invalid(const std::string& text) {
  return Status::InvalidArgument("listen address '" + text +
                                 "' is not host:port or [ipv6]:port with a port 0-65535");
}

bool ParsePort(const std::string& digits, int& port) {
  if (digits.empty() || digits.size() > 5) return false;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  port = value;
  return true;
}

}  // namespace

Result<std::pair<std::string, int>> ParseListenAddress(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Invalid(text);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string::npos) return Invalid(text);
  } else if (host.find_first_of(":[]") != std::string::npos) {
    // An IPv6 address must be bracketed, otherwise its last group would read as the port.
    return Invalid(text);
  }
  int port = 0;
  if (host.empty() || !ParsePort(text.substr(colon + 1), port)) return Invalid(text);
  return std::make_pair(std::move(host), port);
}

}  // namespace subkeeper::server
