#include "redact.h"

#include <string>

#include "subkeeper/platform/url.h"

namespace subkeeper::platform {
namespace {

void ReplaceAll(std::string& text, const std::string& needle) {
  if (needle.empty()) return;
  static const std::string kMark = "[redacted]";
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + kMark.size())) {
    text.replace(pos, needle.size(), kMark);
  }
}

}  // namespace

void RedactSecrets(std::string& text, std::initializer_list<const Secret*> secrets) {
  for (const Secret* secret : secrets) {
    if (secret == nullptr || secret->empty()) continue;
    ReplaceAll(text, secret->Reveal());
    ReplaceAll(text, UrlEncode(secret->Reveal()));
  }
}

Status Redact(const Status& status, std::initializer_list<const Secret*> secrets) {
  if (status.ok()) return status;
  std::string message = status.message();
  RedactSecrets(message, secrets);
  Status out(status.code(), std::move(message));
  out.WithHttp(status.http_status(), status.api_code());
  if (status.retry_after()) out.WithRetryAfter(*status.retry_after());
  return out;
}

}  // namespace subkeeper::platform
