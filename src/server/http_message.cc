#include "http_message.h"

#include <strings.h>

#include <nlohmann/json.hpp>

namespace subkeeper::server::internal {

namespace {

std::string_view StatusText(int status) {
  const std::string_view phrase = http::ReasonPhrase(status);
  if (!phrase.empty()) return phrase;
  return status < 400 ? "OK" : "Error";
}

// Whether the comma-separated token list `value` holds `token`.
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool HttpRequest::KeepAlive() const {
  bool close = minor_version == 0;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, "Connection")) continue;
    if (HasToken(value, "close")) return false;
    if (HasToken(value, "keep-alive")) close = false;
  }
  return !close;
}

HttpResponse JsonError(int status, std::string_view reason, bool close) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = nlohmann::json{{"error", reason}}.dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace);
  r.close = close;
  return r;
}

std::string Serialize(const HttpResponse& response, bool keep_alive, bool head_only) {
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += StatusText(response.status);
  out += "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : response.headers) {
    has_type = has_type || EqualsIgnoreCase(name, "Content-Type");
  }
  if (!has_type) out += "Content-Type: application/json\r\n";
  out += "Content-Length: ";
  out += std::to_string(response.body.size());
  out += keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

}  // namespace subkeeper::server::internal
