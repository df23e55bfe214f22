// A small HttpTransport over cpp-httplib's Client, used by the rc-emulator executable for its
// outbound requests (validation handshake, reminders, notifications). Kept inside the emulator
// so the emulator does not depend on the keeper's own transport.
//
// One connection per Send (no pooling): subscribers are few and every request must observe its
// own timeout. https URLs work when the Debian cpp-httplib is built with OpenSSL (it is);
// certificates are not verified, since the emulator only talks to local test endpoints.
//
// Thread-safe: Send may be called concurrently.
#pragma once

#include <string>
#include <utility>

#include "subkeeper/http/http.h"

namespace rcemu {

class HttplibTransport final : public subkeeper::http::HttpTransport {
 public:
  // https: the server certificate is verified (as the platform does for webhook addresses),
  // against `ca_file` when given, else the system's CA store.
  explicit HttplibTransport(std::string ca_file = "") : ca_file_(std::move(ca_file)) {}
  // Returns kInvalidArgument for a URL it cannot parse, kDeadlineExceeded when the timeout
  // passed, kUnavailable for any other failure (refused, reset, truncated answer).
  subkeeper::Result<subkeeper::http::HttpResponse> Send(
      const subkeeper::http::HttpRequest& request) override;

 private:
  std::string ca_file_;
};

}  // namespace rcemu
