// Parsing SubscriptionInfo. Required here: id, status, eventFilters, deliveryMode.transportType,
// creationTime and expirationTime (the spec's required set minus `uri`, which the keeper never
// reads). Everything else is optional and unknown fields are ignored, so a newer platform does not
// break the keeper.
#include <nlohmann/json.hpp>

#include "subkeeper/common/time_format.h"
#include "subkeeper/platform/errors.h"

namespace subkeeper::platform {
namespace {

using nlohmann::json;

Status Malformed(std::string_view field, std::string_view why) {
  return Status::Internal("SubscriptionInfo: field '" + std::string(field) + "' " +
                          std::string(why));
}

Result<std::string> RequiredString(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return Malformed(name, "is missing");
  if (!it->is_string()) return Malformed(name, "is not a string");
  return it->get<std::string>();
}

std::string OptionalString(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<WallTime> Timestamp(const json& object, const char* name) {
  SK_ASSIGN_OR_RETURN(std::string text, RequiredString(object, name));
  Result<WallTime> parsed = ParseIso8601(text);
  if (!parsed.ok()) return Malformed(name, "is not an ISO 8601 time");
  return parsed;
}

Result<std::vector<std::string>> Filters(const json& object) {
  auto it = object.find("eventFilters");
  if (it == object.end()) return Malformed("eventFilters", "is missing");
  if (!it->is_array()) return Malformed("eventFilters", "is not an array");
  std::vector<std::string> out;
  for (const json& item : *it) {
    if (!item.is_string()) return Malformed("eventFilters", "holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<DisabledFilter>> Disabled(const json& object) {
  std::vector<DisabledFilter> out;
  auto it = object.find("disabledFilters");
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return Malformed("disabledFilters", "is not an array");
  for (const json& item : *it) {
    if (!item.is_object()) return Malformed("disabledFilters", "holds a non-object");
    SK_ASSIGN_OR_RETURN(std::string filter, RequiredString(item, "filter"));
    out.push_back(
        {std::move(filter), OptionalString(item, "reason"), OptionalString(item, "message")});
  }
  return out;
}

Status DeliveryMode(const json& object, RemoteSubscription& out) {
  auto it = object.find("deliveryMode");
  if (it == object.end()) return Malformed("deliveryMode", "is missing");
  if (!it->is_object()) return Malformed("deliveryMode", "is not an object");
  SK_ASSIGN_OR_RETURN(out.transport_type, RequiredString(*it, "transportType"));
  // Only WebHook has an address; another transport in a list must not fail the whole list.
  out.address = OptionalString(*it, "address");
  return Status::OK();
}

Status Blacklisted(const json& object, RemoteSubscription& out) {
  auto it = object.find("blacklistedData");
  if (it == object.end() || it->is_null()) return Status::OK();
  if (!it->is_object()) return Malformed("blacklistedData", "is not an object");
  out.blacklisted_reason = OptionalString(*it, "reason");
  if (it->contains("blacklistedAt")) {
    SK_ASSIGN_OR_RETURN(out.blacklisted_at, Timestamp(*it, "blacklistedAt"));
  }
  return Status::OK();
}

Result<RemoteSubscription> FromJson(const json& object) {
  if (!object.is_object()) return Status::Internal("SubscriptionInfo: not a JSON object");
  RemoteSubscription out;
  SK_ASSIGN_OR_RETURN(out.id, RequiredString(object, "id"));
  std::string status;
  SK_ASSIGN_OR_RETURN(status, RequiredString(object, "status"));
  out.status = RemoteStatus::Of(status);
  SK_ASSIGN_OR_RETURN(out.event_filters, Filters(object));
  SK_ASSIGN_OR_RETURN(out.disabled_filters, Disabled(object));
  SK_RETURN_IF_ERROR(DeliveryMode(object, out));
  SK_ASSIGN_OR_RETURN(out.creation_time, Timestamp(object, "creationTime"));
  SK_ASSIGN_OR_RETURN(out.expiration_time, Timestamp(object, "expirationTime"));
  auto expires = object.find("expiresIn");
  if (expires != object.end() && !expires->is_null()) {
    if (!expires->is_number_integer()) return Malformed("expiresIn", "is not an integer");
    out.expires_in_s = expires->get<int64_t>();
  }
  SK_RETURN_IF_ERROR(Blacklisted(object, out));
  return out;
}

Result<json> ParseDocument(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Internal("platform answer is not valid JSON");
  return doc;
}

}  // namespace

Result<RemoteSubscription> ParseSubscription(std::string_view json_text) {
  SK_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text));
  try {
    return FromJson(doc);
  } catch (const json::exception& e) {
    return Status::Internal(std::string("SubscriptionInfo: ") + e.what());
  }
}

Result<std::vector<RemoteSubscription>> ParseSubscriptionList(std::string_view json_text) {
  SK_ASSIGN_OR_RETURN(json doc, ParseDocument(json_text));
  if (!doc.is_object()) return Status::Internal("SubscriptionListResource: not a JSON object");
  auto records = doc.find("records");
  if (records == doc.end() || !records->is_array()) {
    return Status::Internal("SubscriptionListResource: field 'records' is missing or not an array");
  }
  std::vector<RemoteSubscription> out;
  try {
    for (const json& record : *records) {
      SK_ASSIGN_OR_RETURN(RemoteSubscription parsed, FromJson(record));
      out.push_back(std::move(parsed));
    }
  } catch (const json::exception& e) {
    return Status::Internal(std::string("SubscriptionListResource: ") + e.what());
  }
  return out;
}

}  // namespace subkeeper::platform
