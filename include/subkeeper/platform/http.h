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

// Whether `headers` can be written into a request as they are: every name a non-empty HTTP token
// (RFC 9110 §5.6.2) and no value with CR, LF or NUL (which would end the header early, inject
// headers or a second request, or be cut by a C API). kInvalidArgument naming the first bad
// header: by its name when the value is bad, by its position when the name is; never the value
// itself, which may be a secret.
Status CheckHeaders(const Headers& headers);

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
// connection error (refused, reset, DNS, TLS), kInvalidArgument when the request's headers fail
// CheckHeaders (then nothing is sent).
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace subkeeper::platform
