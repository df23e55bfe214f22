// A minimal HTTP/1.1 client over a raw loopback socket, for scenarios that must control the
// exact request bytes (e.g. no Content-Length) and see the exact response bytes.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace subkeeper::testing {

struct RawResponse {
  std::string error;  // "" when a complete response was read
  std::string bytes;  // everything received: status line, headers and body
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased, values trimmed
  std::string body;
  std::chrono::microseconds elapsed{0};  // from the first byte sent to the response complete
};

// Connects to 127.0.0.1:`port`, sends `request` verbatim and reads one response: headers, then
// Content-Length bytes of body (or until the peer closes when there is none). Gives up after
// `timeout` (then `error` is set and `bytes` holds what arrived).
RawResponse RawExchange(int port, const std::string& request, std::chrono::milliseconds timeout);

}  // namespace subkeeper::testing
