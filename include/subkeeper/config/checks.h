// Small pure checks on config values, shared by the loader and by modules that use the values
// (the app derives public_url from the listen address). Thread-safe: no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace subkeeper::config {

// True when `name` matches [A-Za-z0-9_-]{1,64} (account and subscription names; they become
// path segments of the delivery address, so nothing needs escaping).
bool IsValidName(std::string_view name);

// A parsed "host:port" listen address. IPv6 hosts are written in brackets ("[::1]:8080"); `host`
// holds them without the brackets.
struct HostPort {
  std::string host;
  int port = 0;  // 0..65535; 0 = any free port
};

// Parses "host:port"; nullopt when the host is empty, the port is missing, not decimal or
// outside 0..65535.
std::optional<HostPort> ParseListenAddress(std::string_view address);

// "http://<host>:<port>" for reaching a local listener bound to `host`: a wildcard address
// (0.0.0.0, "", ::) becomes loopback, an IPv6 host is bracketed.
std::string LocalHttpUrl(std::string_view host, int port);

// Checks that `url` is an absolute http or https URL with a host (and, if given, a port in
// 1..65535), without whitespace. With `allow_query` false a query or fragment is refused too.
// Returns the problem ("must be an absolute http(s) URL with a host") or nullopt when valid.
std::optional<std::string> CheckHttpUrl(std::string_view url, bool allow_query = true);

}  // namespace subkeeper::config
