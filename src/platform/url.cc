#include "subkeeper/platform/url.h"

namespace subkeeper::platform {
namespace {

// Explicit ranges: std::isalnum depends on the process locale.
bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsUnreserved(c)) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

std::string UrlPath(std::string_view url) {
  const size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string_view::npos) return "/";
  const size_t end = url.find_first_of("?#", start);
  std::string path(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
  return path.empty() ? "/" : path;
}

}  // namespace subkeeper::platform
