// HttpTransport over libcurl (easy handle per call; libcurl is initialised once per process).
//
// Each Send() uses its own easy handle, so calls from many threads run in parallel. Redirects are
// not followed (a 3xx is returned as an answer); only http and https are allowed. The request's
// timeout covers the whole call. Errors (no answer arrived):
//   kDeadlineExceeded  the timeout elapsed
//   kUnavailable       refused, reset, DNS, TLS, or an answer larger than 16 MiB
//   kInvalidArgument   a malformed URL or unsupported scheme (a configuration error), or a
//                      header that fails CheckHeaders (CR/LF/NUL in a value): nothing is sent
// Error messages name the method and the URL path only: never the query, headers or bodies,
// which carry tokens.
#pragma once

#include "subkeeper/platform/http.h"

namespace subkeeper::platform {

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport();
  Result<HttpResponse> Send(const HttpRequest& request) override;
};

}  // namespace subkeeper::platform
