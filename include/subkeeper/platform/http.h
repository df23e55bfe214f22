// The HTTP transport used to talk to the platform (and, later, to relay events to the app).
// Injected so tests can script answers without a network.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/common/status.h"

namespace subkeeper::platform {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; nullptr when absent.
const std::string* FindHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string url;     // absolute
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // whole call: connect + send + receive
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

// Thread-safe. Any HTTP status is a successful Send (the caller maps statuses); a Status is
// returned only when no answer arrived: kDeadlineExceeded on timeout, kUnavailable on a
// connection error (refused, reset, DNS, TLS).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace subkeeper::platform
