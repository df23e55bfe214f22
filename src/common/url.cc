#include "subkeeper/common/url.h"

#include <curl/curl.h>

#include <memory>
#include <new>

namespace subkeeper {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};

// One part of a parsed URL; nullopt when the URL does not have it (CURLUE_NO_PORT, ...).
std::optional<std::string> Part(CURLU* url, CURLUPart what) {
  char* raw = nullptr;
  if (curl_url_get(url, what, &raw, 0) != CURLUE_OK || raw == nullptr) return std::nullopt;
  std::unique_ptr<char, CurlFree> owned(raw);
  return std::string(raw);
}

}  // namespace

Result<UrlParts> ParseUrl(std::string_view url) {
  // curl_url_set takes a C string: an embedded NUL would silently cut the URL short.
  if (url.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(curl_url_strerror(CURLUE_MALFORMED_INPUT));
  }
  std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle) throw std::bad_alloc();
  const CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, std::string(url).c_str(), 0);
  if (code != CURLUE_OK) return Status::InvalidArgument(curl_url_strerror(code));
  UrlParts parts;
  parts.scheme = Part(handle.get(), CURLUPART_SCHEME).value_or("");
  parts.host = Part(handle.get(), CURLUPART_HOST).value_or("");
  // curl has range-checked the port (0..65535) while parsing.
  if (auto port = Part(handle.get(), CURLUPART_PORT)) parts.port = std::stoi(*port);
  parts.path = Part(handle.get(), CURLUPART_PATH).value_or("/");
  // push_back, not = "/": GCC 12 warns (-Wrestrict, bug 105329) on assigning a literal here.
  if (parts.path.empty()) parts.path.push_back('/');
  parts.query = Part(handle.get(), CURLUPART_QUERY);
  return parts;
}

std::string UrlPath(std::string_view url) {
  Result<UrlParts> parts = ParseUrl(url);
  // Only for messages: a URL curl cannot read has no path worth showing (and may be a secret).
  return parts.ok() ? parts->path : "/";
}

}  // namespace subkeeper
