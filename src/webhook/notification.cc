#include "subkeeper/webhook/notification.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

namespace subkeeper::webhook {

namespace {

using nlohmann::json;

// Reads a required, non-empty string member into `out`.
Status RequiredString(const json& doc, const char* field, std::string& out) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument(std::string("missing string field '") + field + "'");
  }
  out = it->get<std::string>();
  return Status::OK();
}

// Reads an optional string member; present but not a string (or null) is an error so that a
// malformed envelope is not half-accepted.
Status OptionalString(const json& doc, const char* field, std::string& out) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("field '") + field + "' is not a string");
  }
  out = it->get<std::string>();
  return Status::OK();
}

bool IsUuidChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

Result<Notification> FromDocument(const json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("body is not a JSON object");
  Notification n;
  SK_RETURN_IF_ERROR(RequiredString(doc, "uuid", n.uuid));
  // Relayed as the webhook-id header: a CR/LF would split the request, a NUL or an oversized
  // one the app refuses would hold its subscription's later events. Never echoed (may be huge).
  if (!IsValidUuid(n.uuid)) {
    return Status::InvalidArgument("invalid uuid: expected 1-" + std::to_string(kMaxUuidChars) +
                                   " characters of A-Z a-z 0-9 - _ . :");
  }
  SK_RETURN_IF_ERROR(RequiredString(doc, "event", n.event));
  SK_RETURN_IF_ERROR(RequiredString(doc, "subscriptionId", n.subscription_id));
  SK_RETURN_IF_ERROR(OptionalString(doc, "timestamp", n.timestamp));
  SK_RETURN_IF_ERROR(OptionalString(doc, "ownerId", n.owner_id));
  return n;
}

}  // namespace

bool IsValidUuid(std::string_view uuid) {
  return !uuid.empty() && uuid.size() <= kMaxUuidChars &&
         std::all_of(uuid.begin(), uuid.end(), IsUuidChar);
}

Result<Notification> ParseNotification(std::string_view body) {
  // Malformed input is reported without exceptions; whatever nlohmann still throws is a library
  // exception and stays inside this adapter.
  try {
    json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Status::InvalidArgument("body is not valid JSON");
    return FromDocument(doc);
  } catch (const json::exception&) {
    return Status::InvalidArgument("body is not a valid notification");
  }
}

}  // namespace subkeeper::webhook
