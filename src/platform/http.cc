#include "subkeeper/platform/http.h"

#include <algorithm>
#include <cctype>

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

}  // namespace subkeeper::platform
