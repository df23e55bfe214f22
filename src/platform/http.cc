#include "subkeeper/platform/http.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace subkeeper::platform {

const std::string* FindHeader(const Headers& headers, std::string_view name) {
  auto same = [name](const std::string& candidate) {
    return std::equal(candidate.begin(), candidate.end(), name.begin(), name.end(),
                      [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
  };
  for (const auto& [key, value] : headers) {
    if (same(key)) return &value;
  }
  return nullptr;
}

namespace {

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

Status CheckHeaders(const Headers& headers) {
  for (size_t i = 0; i < headers.size(); ++i) {
    const auto& [name, value] = headers[i];
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Status::InvalidArgument("request header #" + std::to_string(i + 1) +
                                     ": name is not an HTTP token");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::InvalidArgument("request header '" + name + "': value contains CR, LF or NUL");
    }
  }
  return Status::OK();
}

}  // namespace subkeeper::platform
