// Internal to the server module: the HTTP/1.1 request and response of the event-driven webhook
// listener, and how a response is put on the wire. Pure values; no I/O.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/http/http.h"

namespace subkeeper::server::internal {

struct HttpRequest {
  std::string method;     // as sent; methods are case-sensitive
  std::string target;     // the request-target as sent
  std::string path;       // target up to '?' (no percent-decoding: route names never need it)
  int minor_version = 1;  // HTTP/1.<minor>
  http::Headers headers;  // in arrival order, names and values as sent (values trimmed)
  std::string body;       // de-chunked when the request was chunked

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const { return headers.Find(name); }
  // Whether the client lets the connection stay open after the answer: HTTP/1.1 unless
  // "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
  bool KeepAlive() const;
};

struct HttpResponse {
  int status = 200;
  http::Headers headers;  // never Content-Length or Connection: Serialize writes those
  std::string body;
  bool close = false;  // close the connection after this answer
};

// {"error": reason}, Content-Type application/json, and `close` as given.
HttpResponse JsonError(int status, std::string_view reason, bool close = false);

// The status line (with http::ReasonPhrase, else "OK" below 400 and "Error" from it), Content-Type
// (application/json unless `response` names one), Content-Length, "Connection: keep-alive" or
// "close", the response's headers, then the body (left out when `head_only`, as a HEAD request
// requires, with Content-Length still that of the body).
std::string Serialize(const HttpResponse& response, bool keep_alive, bool head_only = false);

// Case-insensitive ASCII equality, for header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace subkeeper::server::internal
