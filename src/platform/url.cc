#include "subkeeper/platform/url.h"

#include <curl/curl.h>

#include <climits>
#include <memory>
#include <new>

namespace subkeeper::platform {

std::string UrlEncode(std::string_view text) {
  if (text.empty()) return "";
  // curl_easy_escape(3) takes an int length, and needs no easy handle since libcurl 7.82.0.
  if (text.size() > static_cast<size_t>(INT_MAX)) throw std::bad_alloc();
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) throw std::bad_alloc();
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

}  // namespace subkeeper::platform
