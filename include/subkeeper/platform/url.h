// URL helpers for building platform requests. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace subkeeper::platform {

// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), with
// upper-case hex (curl_easy_escape(3)). Safe both for one path segment (a subscription id) and for
// a value of an application/x-www-form-urlencoded body.
std::string UrlEncode(std::string_view text);

}  // namespace subkeeper::platform
