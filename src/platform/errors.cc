#include "subkeeper/platform/errors.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "redact.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/text.h"

namespace subkeeper::platform {
namespace {

constexpr size_t kMaxMessage = 200;
constexpr std::chrono::seconds kDefaultRetryAfter{30};

struct PlatformError {
  std::string code;
  std::string message;
};

std::string StringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The docs say to rely on the code, never on the message, so every shape is searched for a code
// first; the message only decorates the Status.
PlatformError ParseErrorBody(std::string_view body) {
  PlatformError out;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  auto errors = doc.find("errors");
  if (errors != doc.end() && errors->is_array() && !errors->empty() &&
      errors->front().is_object()) {
    out.code = StringField(errors->front(), "errorCode");
    out.message = StringField(errors->front(), "message");
  }
  if (out.code.empty()) out.code = StringField(doc, "errorCode");
  if (out.message.empty()) out.message = StringField(doc, "message");
  if (out.code.empty()) out.code = StringField(doc, "error");
  if (out.message.empty()) out.message = StringField(doc, "error_description");
  return out;
}

// The platform's message ends up in last_error, history, logs and JSON status. Secrets first,
// on the whole text: a cut first would leave a credential's prefix no redaction recognises.
// Then cut on a character boundary and made printable, so it never breaks a JSON encoder or a
// log line.
std::string CleanMessage(std::string text, std::initializer_list<const Secret*> secrets) {
  RedactSecrets(text, secrets);
  text = logging::Scrub(text);
  std::string out = Printable(Utf8Prefix(text, kMaxMessage));
  if (text.size() > kMaxMessage) out += "...";
  return out;
}

Status StatusFor(int http, const PlatformError& error, std::string message) {
  if (http == 429) return Status::ResourceExhausted(std::move(message));
  if (http == 404 || (http == 400 && error.code == "CMN-102")) {
    return Status::NotFound(std::move(message));
  }
  if (http == 401) return Status::Unauthenticated(std::move(message));
  if (http == 403) {
    if (error.code == "SUB-505") {
      message = "subscription limit (30 per user per app) reached: " + message;
    }
    return Status::PermissionDenied(std::move(message));
  }
  if (http == 408 || (http >= 500 && http <= 599)) return Status::Unavailable(std::move(message));
  if (http >= 400 && http <= 499) return Status::InvalidArgument(std::move(message));
  // 1xx/3xx never reach here in normal operation (redirects are not followed): a misconfigured
  // server URL, which retrying will not fix.
  return Status::FailedPrecondition(std::move(message));
}

}  // namespace

std::chrono::seconds ParseRetryAfter(const http::HttpResponse& response) {
  const std::string* value = response.Header("Retry-After");
  if (value == nullptr) return kDefaultRetryAfter;
  int64_t seconds = 0;
  const char* begin = value->data();
  const char* end = begin + value->size();
  auto [ptr, ec] = std::from_chars(begin, end, seconds);
  // An HTTP-date or garbage is "unparsable": the documented fallback applies.
  if (ec != std::errc() || ptr != end || seconds < 0) return kDefaultRetryAfter;
  return std::chrono::seconds(seconds);
}

Status MapHttpError(const http::HttpResponse& response,
                    std::initializer_list<const Secret*> secrets) {
  PlatformError error = ParseErrorBody(response.body);
  std::string message = error.message.empty()
                            ? "platform answered HTTP " + std::to_string(response.status)
                            : CleanMessage(std::move(error.message), secrets);
  Status status = StatusFor(response.status, error, std::move(message));
  status.WithHttp(response.status, error.code);
  if (response.status == 429) status.WithRetryAfter(ParseRetryAfter(response));
  return status;
}

}  // namespace subkeeper::platform
