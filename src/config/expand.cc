#include "subkeeper/config/expand.h"

#include <cctype>

namespace subkeeper::config {
namespace {

bool IsValidVarName(std::string_view name) {
  if (name.empty()) return false;
  auto first = static_cast<unsigned char>(name.front());
  if (!std::isalpha(first) && name.front() != '_') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<std::string> ExpandEnv(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i).starts_with("$${")) {
      out += "${";
      i += 3;
      continue;
    }
    if (!text.substr(i).starts_with("${")) {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return Status::InvalidArgument("unterminated ${");
    std::string name(text.substr(i + 2, close - i - 2));
    // A bad name is not echoed: a user may have pasted a secret between the braces by mistake.
    if (!IsValidVarName(name)) {
      return Status::InvalidArgument(
          "invalid variable name in ${...} (expected [A-Za-z_][A-Za-z0-9_]*)");
    }
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value) return Status::InvalidArgument("environment variable " + name + " is not set");
    out += *value;
    i = close + 1;
  }
  return out;
}

}  // namespace subkeeper::config
