// Small helpers shared by the Platform's .cc files: names, ids, response builders, parsing.
#include <cctype>

#include "platform_impl.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/http/http.h"

namespace rcemu {

const char* RateGroupName(RateGroup group) {
  switch (group) {
    case RateGroup::kLight:
      return "light";
    case RateGroup::kMedium:
      return "medium";
    case RateGroup::kHeavy:
      return "heavy";
    case RateGroup::kAuth:
      return "auth";
  }
  return "light";
}

int RateLimits::For(RateGroup group) const {
  switch (group) {
    case RateGroup::kLight:
      return light;
    case RateGroup::kMedium:
      return medium;
    case RateGroup::kHeavy:
      return heavy;
    case RateGroup::kAuth:
      return auth;
  }
  return light;
}

const char* DeliveryKindName(DeliveryKind kind) {
  switch (kind) {
    case DeliveryKind::kValidation:
      return "validation";
    case DeliveryKind::kReminder:
      return "reminder";
    case DeliveryKind::kEvent:
      return "event";
  }
  return "event";
}

int64_t ResponseBytes(const subkeeper::http::HttpResponse& response) {
  int64_t bytes = static_cast<int64_t>(std::string("HTTP/1.1 ").size() + 3 + 1 +
                                       internal::ReasonPhrase(response.status).size() + 2);
  for (const auto& [name, value] : response.headers) {
    bytes += static_cast<int64_t>(name.size() + 2 + value.size() + 2);
  }
  return bytes + 2 + static_cast<int64_t>(response.body.size());
}

namespace internal {

std::string IdGen::Hex(size_t bytes) {
  // HMAC of a counter: unpredictable without the seed, reproducible with it.
  const std::string mac = subkeeper::HmacSha256(seed_, std::to_string(++counter_));
  return subkeeper::HexEncode(mac.substr(0, bytes));
}

std::string IdGen::Uuid() {
  const std::string h = Hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response resp;
  resp.status = status;
  resp.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
  // Lenient on invalid UTF-8 coming from callers, instead of throwing.
  resp.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return resp;
}

Response ApiError(int status, const std::string& code, const std::string& message,
                  const std::string& parameter, const std::string& top_code) {
  nlohmann::json item = {{"errorCode", code}, {"message", message}};
  nlohmann::json body = {{"errorCode", top_code.empty() ? code : top_code}, {"message", message}};
  if (!parameter.empty()) {
    item["parameterName"] = parameter;
    body["parameterName"] = parameter;
  }
  body["errors"] = nlohmann::json::array({item});
  return JsonResponse(status, body);
}

Response OAuthError(int status, const std::string& error, const std::string& description,
                    const std::string& code) {
  nlohmann::json body = {
      {"error", error},
      {"error_description", description},
      {"errors", nlohmann::json::array({{{"errorCode", code}, {"message", description}}})}};
  return JsonResponse(status, body);
}

Response InvalidParameter(const std::string& parameter) {
  return ApiError(400, "CMN-101", "Parameter [" + parameter + "] value is invalid", parameter);
}

Response SubscriptionNotFound() {
  return ApiError(404, "CMN-102", "Resource for parameter [subscriptionId] is not found",
                  "subscriptionId");
}

std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }

namespace {
std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}
}  // namespace

std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> form;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string_view pair(body.data() + start, end - start);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      const std::string key = UrlDecode(pair.substr(0, eq));
      form[key] = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return form;
}

std::string ReasonPhrase(int status) {
  const std::string_view phrase = subkeeper::http::ReasonPhrase(status);
  return phrase.empty() ? "Unknown" : std::string(phrase);
}

}  // namespace internal
}  // namespace rcemu
