#include "subkeeper/webhook/notification.h"

#include <nlohmann/json.hpp>

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

Result<Notification> FromDocument(const json& doc) {
  if (!doc.is_object()) return Status::InvalidArgument("body is not a JSON object");
  Notification n;
  SK_RETURN_IF_ERROR(RequiredString(doc, "uuid", n.uuid));
  SK_RETURN_IF_ERROR(RequiredString(doc, "event", n.event));
  SK_RETURN_IF_ERROR(RequiredString(doc, "subscriptionId", n.subscription_id));
  SK_RETURN_IF_ERROR(OptionalString(doc, "timestamp", n.timestamp));
  SK_RETURN_IF_ERROR(OptionalString(doc, "ownerId", n.owner_id));
  return n;
}

}  // namespace

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
