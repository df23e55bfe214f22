#include "subkeeper/webhook/receiver.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "subkeeper/common/crypto.h"
#include "subkeeper/webhook/notification.h"

namespace subkeeper::webhook {

namespace {

constexpr std::string_view kPathPrefix = "/webhooks/";
constexpr const char* kJson = "application/json";

WebhookResponse Error(int status, std::string_view reason) {
  WebhookResponse r;
  r.status = status;
  r.headers = {{"Content-Type", kJson}};
  r.body = nlohmann::json{{"error", reason}}.dump();
  return r;
}

WebhookResponse Accepted() {
  WebhookResponse r;
  r.headers = {{"Content-Type", kJson}};
  return r;
}

// "/webhooks/<account>/<name>" → "<account>/<name>", or nullopt for any other shape.
std::optional<std::string> RouteKey(std::string_view path) {
  if (!path.starts_with(kPathPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPathPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  if (rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  return std::string(rest);
}

// An empty configured token must never match, even a missing or empty header.
bool TokenMatches(const Route& route, const http::Headers& headers) {
  const std::string* given = headers.Find("Verification-Token");
  if (given == nullptr || route.verification_token.empty()) return false;
  return ConstantTimeEquals(*given, route.verification_token.Reveal());
}

// "<account>/<name>" (a RouteKey) → its parts.
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  const size_t slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

store::EventRecord MakeRecord(const std::string& key, const Route& route, Notification n,
                              std::string_view body, WallTime now) {
  store::EventRecord e;
  e.uuid = std::move(n.uuid);
  std::tie(e.account, e.name) = SplitKey(key);
  e.subscription_id = std::move(n.subscription_id);
  e.event = std::move(n.event);
  e.body = std::string(body);
  e.received_at = now;
  // Reminders are consumed here and never relayed to the app.
  if (route.reminder_filter && e.event == *route.reminder_filter) {
    e.kind = store::EventKind::kReminder;
    e.relay_state = store::RelayState::kNone;
  } else {
    e.kind = store::EventKind::kEvent;
    // Without a deliver_to nobody would ever take a pending event off the relay's backlog.
    e.relay_state = route.relayed ? store::RelayState::kPending : store::RelayState::kNone;
  }
  return e;
}

}  // namespace

WebhookReceiver::WebhookReceiver(const RouteTable& routes, EventSink& sink,
                                 ReminderCallback on_reminder, const Clock& clock,
                                 ReceiverOptions options)
    : routes_(routes),
      sink_(sink),
      on_reminder_(std::move(on_reminder)),
      clock_(clock),
      options_(options) {}

WebhookResponse WebhookReceiver::Handshake(std::string_view validation_token) {
  // The platform's tokens are short printable strings (UUID-like). The platform also wants the
  // whole answer within 1024 bytes, which a longer echo would break anyway.
  const bool printable = !validation_token.empty() &&
                         validation_token.size() <= kMaxValidationTokenChars &&
                         std::all_of(validation_token.begin(), validation_token.end(), [](char c) {
                           const auto u = static_cast<unsigned char>(c);
                           return u >= 0x21 && u <= 0x7E;
                         });
  if (!printable) return Error(400, "invalid validation token");
  WebhookResponse r;
  r.headers = {{"Validation-Token", std::string(validation_token)}, {"Content-Type", kJson}};
  return r;
}

WebhookResponse WebhookReceiver::HandleNotification(std::string_view path,
                                                    const http::Headers& headers,
                                                    std::string_view body) {
  const std::optional<std::string> key = RouteKey(path);
  // The pointer keeps the route alive for this request even if the keeper republishes.
  const std::shared_ptr<const Route> found = key ? routes_.Find(*key) : nullptr;
  if (!found) return Error(404, "unknown webhook");
  const Route& route = *found;

  if (!TokenMatches(route, headers)) return Error(403, "invalid verification token");
  if (body.size() > options_.max_body_bytes) return Error(413, "body too large");

  Result<Notification> parsed = ParseNotification(body);
  if (!parsed.ok()) return Error(400, parsed.status().message());

  store::EventRecord record =
      MakeRecord(*key, route, std::move(parsed).value(), body, clock_.Now());
  const bool is_reminder = record.kind == store::EventKind::kReminder;
  const std::string subscription_id = record.subscription_id;
  const auto [account, name] = std::pair(record.account, record.name);

  Result<store::InsertOutcome> outcome =
      sink_.Commit(std::move(record), clock_.SteadyNow() + options_.commit_budget);
  // Never a false 200: the platform retries a 503, and the retry is deduplicated on uuid.
  if (!outcome.ok()) return Error(503, "not committed, retry later");

  // A reminder for an older remote id, or a redelivered one, must not trigger a renewal.
  if (is_reminder && *outcome == store::InsertOutcome::kInserted && !route.remote_id.empty() &&
      subscription_id == route.remote_id && on_reminder_) {
    on_reminder_(account, name, subscription_id);
  }
  return Accepted();
}

}  // namespace subkeeper::webhook
