// The production HttpTransport, over libcurl (an easy handle per call; libcurl is initialised
// once per process).
//
// Each Send() uses its own easy handle, so calls from many threads run in parallel. Redirects are
// not followed (a 3xx is returned as an answer); only http and https are allowed. The request's
// timeout covers the whole call. Errors (no answer arrived):
//   kDeadlineExceeded  the timeout elapsed
//   kUnavailable       refused, reset, DNS, TLS, or an answer larger than max_response_bytes
//   kInvalidArgument   a malformed URL or unsupported scheme (a configuration error), or a
//                      header that fails CheckHeaders (CR/LF/NUL in a value): nothing is sent
// Error messages name the method and the URL path only: never the query, headers or bodies,
// which carry tokens.
#pragma once

#include <cstddef>
#include <memory>

#include "subkeeper/http/http.h"

namespace subkeeper::http {

struct CurlOptions {
  // An answer body longer than this fails the call (kUnavailable) instead of being buffered.
  size_t max_response_bytes = size_t{16} << 20;  // 16 MiB
};

// A transport that sends every request with libcurl. Thread-safe; holds no connection state.
std::unique_ptr<HttpTransport> NewCurlTransport(const CurlOptions& options = {});

}  // namespace subkeeper::http
