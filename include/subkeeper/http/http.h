// The HTTP vocabulary every module speaks: header fields, a client request and its answer, the
// client transport interface, and the reason phrases of status codes. Pure values and one
// interface; the only implementation (libcurl) is behind NewCurlTransport (http/curl_transport.h).
// Injected so tests can script answers without a network.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/common/status.h"

namespace subkeeper::http {

// Header fields in the order they were written or received, names and values as given. Built and
// walked as the std::vector it is ({{"Name", "value"}, ...}, emplace_back, range-for); Find is the
// one lookup by name.
class Headers : public std::vector<std::pair<std::string, std::string>> {
 public:
  using vector::vector;

  // The value of the first field named `name`, compared ASCII case-insensitively (RFC 9110
  // §5.1); nullptr when there is none. The pointer is valid until the headers change.
  const std::string* Find(std::string_view name) const;
};

// Whether `headers` can be written into a request as they are: every name a non-empty HTTP token
// (RFC 9110 §5.6.2) and no value with CR, LF or NUL (which would end the header early, inject
// headers or a second request, or be cut by a C API). kInvalidArgument naming the first bad
// header: by its name when the value is bad, by its position when the name is; never the value
// itself, which may be a secret.
Status CheckHeaders(const Headers& headers);

// The reason phrase of `status` (RFC 9110 §15), e.g. "Not Found" for 404; "" for a code this
// table does not name, so each caller picks its own fallback.
std::string_view ReasonPhrase(int status);

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
  const std::string* Header(std::string_view name) const { return headers.Find(name); }
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

}  // namespace subkeeper::http
