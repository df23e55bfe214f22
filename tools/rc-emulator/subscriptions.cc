// Subscription API handlers of the emulated platform (docs/platform.md §1, §2, §4): validation,
// create (second half, after the handshake), list, get, update, renew, delete.
#include <strings.h>

#include <algorithm>

#include "platform_impl.h"
#include "subkeeper/common/time_format.h"

namespace rcemu {

using internal::ApiError;
using internal::InvalidParameter;
using internal::Subscription;
using internal::User;
using nlohmann::json;

namespace {

constexpr int64_t kDefaultExpiresIn = 604800;
// The current spec's WebHook maximum; larger values are clamped, as the real server does.
constexpr int64_t kMaxExpiresIn = 315360000;
constexpr int64_t kMaxHandshakeBytes = 1024;

std::optional<std::vector<std::string>> ParseFilters(const json& body) {
  auto it = body.find("eventFilters");
  if (it == body.end() || !it->is_array() || it->empty()) return std::nullopt;
  std::vector<std::string> filters;
  for (const json& item : *it) {
    if (!item.is_string() || item.get<std::string>().empty()) return std::nullopt;
    filters.push_back(item.get<std::string>());
  }
  return filters;
}

// nullopt: invalid. Missing: the 7-day default.
std::optional<int64_t> ParseExpiresIn(const json& body) {
  auto it = body.find("expiresIn");
  if (it == body.end() || it->is_null()) return kDefaultExpiresIn;
  if (!it->is_number_integer()) return std::nullopt;
  const int64_t value = it->get<int64_t>();
  if (value < 1) return std::nullopt;
  return std::min(value, kMaxExpiresIn);
}

// SUB-515 / SUB-508 checks of the filter set against the granted lifetime.
std::optional<Response> CheckFilters(const std::vector<std::string>& filters, int64_t ttl_s,
                                     int64_t job_interval_s,
                                     std::optional<ReminderFilter>* reminder) {
  const auto reminders = std::count_if(filters.begin(), filters.end(),
                                       [](const std::string& f) { return IsReminderFilter(f); });
  if (reminders == static_cast<int64_t>(filters.size())) {
    return ApiError(400, "SUB-515", "Subscription containing only reminder filter is not allowed",
                    "eventFilters");
  }
  reminder->reset();
  if (reminders == 0) return std::nullopt;
  const auto raw = std::find_if(filters.begin(), filters.end(),
                                [](const std::string& f) { return IsReminderFilter(f); });
  *reminder = ParseReminderFilter(*raw);
  if (reminders > 1 || !*reminder || !ReminderRulesHold(**reminder, ttl_s, job_interval_s)) {
    return ApiError(400, "SUB-508", "Invalid event filters", "eventFilters");
  }
  return std::nullopt;
}

// CMN-101 deliveryMode.* checks; fills the address and the (possibly empty) token.
std::optional<Response> ParseDeliveryMode(const json& body, std::string* address,
                                          std::string* token) {
  auto mode = body.find("deliveryMode");
  if (mode == body.end() || !mode->is_object()) return InvalidParameter("deliveryMode");
  if (mode->value("transportType", json()) != "WebHook") {
    return InvalidParameter("deliveryMode.transportType");
  }
  const json url = mode->value("address", json());
  if (!url.is_string() || !IsHttpUrl(url.get<std::string>())) {
    return InvalidParameter("deliveryMode.address");
  }
  // The token's real length/charset rules are undocumented; 64 characters is the emulator's cap.
  const json secret = mode->value("verificationToken", json(""));
  if (!secret.is_string() || secret.get<std::string>().size() > 64) {
    return InvalidParameter("deliveryMode.verificationToken");
  }
  *address = url.get<std::string>();
  *token = secret.get<std::string>();
  return std::nullopt;
}

bool IsJsonContentType(const std::string* value) {
  if (value == nullptr) return false;
  std::string media = value->substr(0, value->find(';'));
  media.erase(media.find_last_not_of(" \t") + 1);
  return strcasecmp(media.c_str(), "application/json") == 0;
}

// The handshake checks in the documented order; nullopt when the subscriber passed.
std::optional<Response> CheckHandshake(const internal::SendResult& sent, const std::string& token,
                                       std::string* error) {
  if (!sent.response || sent.timed_out) {
    *error = sent.timed_out ? "Read timed out" : "Connection failed";
    return InvalidParameter("deliveryMode.address");
  }
  const auto& resp = *sent.response;
  if (resp.status != 200) {
    *error = "HTTP status " + std::to_string(resp.status);
    return ApiError(400, "SUB-522",
                    "WebHook responds with incorrect HTTP status. HTTP status is " +
                        std::to_string(resp.status));
  }
  const std::string* echoed = resp.headers.Find("Validation-Token");
  if (echoed == nullptr || *echoed != token) {
    *error = "Validation-Token not returned";
    return ApiError(400, "SUB-520", "Validation Token is not returned");
  }
  if (ResponseBytes(resp) > kMaxHandshakeBytes ||
      !IsJsonContentType(resp.headers.Find("Content-Type"))) {
    *error = "response invalid (size or Content-Type)";
    return ApiError(400, "SUB-525", "WebHook server response is invalid");
  }
  return std::nullopt;
}

}  // namespace

Response Platform::Impl::PrepareCreate(const Request& req, const User& user, WallTime now,
                                       std::optional<internal::PendingCreate>* pending) {
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ApiError(400, "CMN-103", "JSON can't be parsed");
  Subscription sub;
  auto filters = ParseFilters(body);
  if (!filters) return InvalidParameter("eventFilters");
  std::string address;
  std::string token;
  if (auto bad = ParseDeliveryMode(body, &address, &token)) return *bad;
  const auto ttl = ParseExpiresIn(body);
  if (!ttl) return InvalidParameter("expiresIn");
  if (auto bad =
          CheckFilters(*filters, *ttl, options.reminder_job_interval.count(), &sub.reminder)) {
    return *bad;
  }
  const auto owned = std::count_if(subs.begin(), subs.end(), [&](const auto& entry) {
    return entry.second.owner.extension_id == user.extension_id && now < entry.second.expiration;
  });
  if (owned >= options.max_subscriptions_per_user) {
    return ApiError(403, "SUB-505", "Subscriptions limit exceeded");
  }
  sub.id = ids.Uuid();
  sub.owner = user;
  sub.filters = std::move(*filters);
  sub.address = std::move(address);
  sub.verification_token = subkeeper::Secret(std::move(token));
  sub.ttl_s = *ttl;
  Delivery handshake{
      DeliveryKind::kValidation, sub.id, sub.address, sub.verification_token, "", ids.Uuid(), ""};
  pending->emplace(internal::PendingCreate{std::move(sub), std::move(handshake)});
  return Response{};
}

Response Platform::Impl::FinishCreate(const internal::CallContext& ctx,
                                      internal::PendingCreate& pending,
                                      const internal::SendResult& sent, WallTime now) {
  std::string error;
  auto failed = CheckHandshake(sent, pending.handshake.uuid, &error);
  RecordDelivery(pending.handshake, sent, error, now);
  if (failed) return *failed;
  // Re-counted: other creates of this user may have finished while the handshake ran.
  const auto owned = std::count_if(subs.begin(), subs.end(), [&](const auto& entry) {
    return entry.second.owner.extension_id == pending.sub.owner.extension_id;
  });
  if (owned >= options.max_subscriptions_per_user) {
    return ApiError(403, "SUB-505", "Subscriptions limit exceeded");
  }
  Subscription& sub = subs[pending.sub.id] = std::move(pending.sub);
  sub.creation = now;
  sub.expiration = now + Seconds(sub.ttl_s);
  return internal::JsonResponse(200, SubscriptionJson(sub, ctx.base_url, now));
}

Subscription* Platform::Impl::Owned(const std::string& id, const User& user, WallTime now) {
  auto it = subs.find(id);
  if (it == subs.end() || it->second.owner.extension_id != user.extension_id) return nullptr;
  // Expired means purged, even if the job has not run yet: a renew cannot revive it.
  if (now >= it->second.expiration) {
    subs.erase(it);
    return nullptr;
  }
  return &it->second;
}

Response Platform::Impl::List(const internal::CallContext& ctx, const User& user, WallTime now) {
  json records = json::array();
  for (const auto& [id, sub] : subs) {
    if (sub.owner.extension_id == user.extension_id && now < sub.expiration) {
      records.push_back(SubscriptionJson(sub, ctx.base_url, now));
    }
  }
  return internal::JsonResponse(
      200, {{"uri", ctx.base_url + "/restapi/v1.0/subscription"}, {"records", records}});
}

Response Platform::Impl::Get(const internal::CallContext& ctx, const User& user, WallTime now) {
  Subscription* sub = Owned(ctx.route.subscription_id, user, now);
  if (sub == nullptr) return internal::SubscriptionNotFound();
  return internal::JsonResponse(200, SubscriptionJson(*sub, ctx.base_url, now));
}

Response Platform::Impl::Update(const Request& req, const internal::CallContext& ctx,
                                const User& user, WallTime now) {
  Subscription* sub = Owned(ctx.route.subscription_id, user, now);
  if (sub == nullptr) return internal::SubscriptionNotFound();
  // An empty body renews (docs/platform.md §1.2), like POST /renew.
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return ApiError(400, "CMN-103", "JSON can't be parsed");
    auto filters = ParseFilters(body);
    if (!filters) return InvalidParameter("eventFilters");
    // Without expiresIn the subscription keeps its own TTL (emulator choice; UNCERTAIN upstream).
    const auto ttl = body.contains("expiresIn") ? ParseExpiresIn(body) : sub->ttl_s;
    if (!ttl) return InvalidParameter("expiresIn");
    std::optional<ReminderFilter> reminder;
    if (auto bad = CheckFilters(*filters, *ttl, options.reminder_job_interval.count(), &reminder)) {
      return *bad;
    }
    sub->filters = std::move(*filters);
    sub->reminder = std::move(reminder);
    sub->ttl_s = *ttl;
  }
  return Renew(ctx, user, now);
}

Response Platform::Impl::Renew(const internal::CallContext& ctx, const User& user, WallTime now) {
  Subscription* sub = Owned(ctx.route.subscription_id, user, now);
  if (sub == nullptr) return internal::SubscriptionNotFound();
  // Renew keeps the subscription's own TTL (changelog v1.0.38) and restarts the reminders. A
  // blacklisted subscription is renewed but stays blacklisted.
  sub->expiration = now + Seconds(sub->ttl_s);
  sub->last_reminder.reset();
  return internal::JsonResponse(200, SubscriptionJson(*sub, ctx.base_url, now));
}

Response Platform::Impl::Delete(const internal::CallContext& ctx, const User& user, WallTime now) {
  if (Owned(ctx.route.subscription_id, user, now) == nullptr) {
    return internal::SubscriptionNotFound();
  }
  subs.erase(ctx.route.subscription_id);
  Response resp;
  resp.status = 204;
  return resp;
}

json Platform::Impl::SubscriptionJson(const Subscription& sub, const std::string& base_url,
                                      WallTime now) const {
  const SubscriptionSnapshot snap = Snapshot(sub);
  const int64_t left = std::chrono::duration_cast<Seconds>(sub.expiration - now).count();
  json j = {{"uri", base_url + "/restapi/v1.0/subscription/" + sub.id},
            {"id", sub.id},
            {"creationTime", subkeeper::FormatIso8601(sub.creation)},
            {"status", snap.status},
            {"eventFilters", snap.event_filters},
            {"expirationTime", subkeeper::FormatIso8601(sub.expiration)},
            {"expiresIn", std::max<int64_t>(left, 0)},
            {"deliveryMode",
             {{"transportType", "WebHook"}, {"address", sub.address}, {"encryption", false}}}};
  if (!sub.disabled.empty()) {
    json disabled = json::array();
    for (const auto& d : sub.disabled) {
      disabled.push_back({{"filter", d.filter}, {"reason", d.reason}, {"message", d.reason}});
    }
    j["disabledFilters"] = disabled;
  }
  if (sub.blacklisted) {
    j["blacklistedData"] = {{"reason", sub.blacklist_reason},
                            {"blacklistedAt", subkeeper::FormatIso8601(sub.blacklisted_at)}};
  }
  return j;
}

SubscriptionSnapshot Platform::Impl::Snapshot(const Subscription& sub) const {
  SubscriptionSnapshot snap;
  snap.id = sub.id;
  snap.owner_id = sub.owner.extension_id;
  snap.account_id = sub.owner.account_id;
  for (const auto& f : sub.filters) {
    snap.event_filters.push_back(RewriteFilter(f, sub.owner.account_id, sub.owner.extension_id));
  }
  snap.disabled_filters = sub.disabled;
  snap.address = sub.address;
  snap.verification_token_set = !sub.verification_token.empty();
  snap.status = sub.blacklisted ? "Blacklisted" : "Active";
  snap.creation_time = sub.creation;
  snap.expiration_time = sub.expiration;
  snap.ttl_s = sub.ttl_s;
  snap.failures = sub.failures;
  snap.blacklist_reason = sub.blacklist_reason;
  if (sub.blacklisted) snap.blacklisted_at = sub.blacklisted_at;
  return snap;
}

}  // namespace rcemu
