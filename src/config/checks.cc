#include "subkeeper/config/checks.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "subkeeper/common/url.h"

namespace subkeeper::config {
namespace {

std::optional<int> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// Splits "host:port" / "[v6]:port" into its parts; the port text may be empty.
std::optional<std::pair<std::string_view, std::string_view>> SplitHostPort(std::string_view s) {
  if (s.starts_with('[')) {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
    return std::pair{s.substr(1, close - 1), rest.empty() ? rest : rest.substr(1)};
  }
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::pair{s, std::string_view()};
  std::string_view host = s.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return std::nullopt;  // unbracketed IPv6
  return std::pair{host, s.substr(colon + 1)};
}

constexpr std::string_view kPortRule = "port must be in 1..65535";

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string LocalHttpUrl(std::string_view host, int port) {
  std::string h(host);
  if (h == "0.0.0.0" || h.empty()) h = "127.0.0.1";
  if (h == "::") h = "::1";
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port);
}

std::optional<HostPort> ParseListenAddress(std::string_view address) {
  auto parts = SplitHostPort(address);
  if (!parts || parts->first.empty() || HasSpaceOrControl(parts->first)) return std::nullopt;
  auto port = ParsePort(parts->second);
  if (!port) return std::nullopt;
  return HostPort{std::string(parts->first), *port};
}

std::optional<std::string> CheckHttpUrl(std::string_view url, bool allow_query) {
  static const std::string kShape = "must be an absolute http(s) URL with a host";
  // curl refuses these too, but "no spaces" says which rule, and a NUL must not reach a C API.
  if (HasSpaceOrControl(url)) return kShape + " (no spaces)";
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) {
    // A port that is not a number in 0..65535: the rule, not curl's wording of it.
    if (parts.status().message() == curl_url_strerror(CURLUE_BAD_PORT_NUMBER)) {
      return std::string(kPortRule);
    }
    return kShape + " (" + parts.status().message() + ")";
  }
  if (parts->scheme != "http" && parts->scheme != "https") return kShape;
  // RFC 3986 section 3: the authority follows exactly "//". curl also reads "http:/h" and
  // "http:///h" as host h; for a config value that is a typo, not a URL.
  const std::string_view rest = url.substr(parts->scheme.size());
  if (!rest.starts_with("://") || rest.substr(3).starts_with('/')) return kShape;
  if (parts->host.empty()) return kShape;
  if (parts->port == 0) return std::string(kPortRule);
  if (!allow_query && url.find_first_of("?#") != std::string_view::npos) {
    return std::string("must not have a query or fragment");
  }
  return std::nullopt;
}

}  // namespace subkeeper::config
