// URLs as libcurl reads them. One parser for the whole program, so that what the config check
// accepts is what the transport will send to. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper {

// The parts of an absolute URL, as curl_url_get(3) returns them (not percent-decoded).
struct UrlParts {
  std::string scheme;                // lower case: "http"
  std::string host;                  // IPv6 literals in brackets ("[::1]"), no zone id
  std::optional<int> port;           // as written (0..65535); nullopt when the URL has none
  std::string path;                  // "/" at least
  std::optional<std::string> query;  // without '?'; nullopt when the URL has none
};

// Parses `url` with libcurl's URL API (curl_url_set(3) with no flags: a scheme is required, and
// only schemes this libcurl supports are accepted). Errors (kInvalidArgument) carry
// curl_url_strerror(3)'s text, which never quotes the input: "Bad hostname", "Port number was
// not a decimal number between 0 and 65535", "Unsupported URL scheme", "No host part in the URL",
// "Malformed input to a URL function" (also for an embedded NUL byte and for input of 8 MB and
// more).
Result<UrlParts> ParseUrl(std::string_view url);

// The path of an absolute URL as ParseUrl reads it, without scheme, authority, query or
// fragment; "/" when empty or when the URL cannot be parsed. Used to name a request in error
// messages without exposing query strings.
std::string UrlPath(std::string_view url);

}  // namespace subkeeper
