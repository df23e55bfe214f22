// Outbound requests of the emulated platform (docs/platform.md §2, §3, §4.2): the validation
// handshake, reminders, event notifications, and the failure counting that blacklists.
#include "platform_impl.h"
#include "subkeeper/common/time_format.h"

namespace rcemu {

using internal::SendResult;
using internal::Subscription;
using nlohmann::json;

namespace {

constexpr const char* kUserAgent = "RingCentral-Webhook/8.3 (emulator)";
// Reminder spacing tolerance: the job runs on a timer, so "interval seconds since the last one"
// must not miss a tick that fires a few milliseconds early.
constexpr Seconds kReminderSlack{1};

// Empty when `sent` is a success; otherwise the short error for the delivery log, and in
// `reason` the text the platform puts into blacklistedData.reason.
std::string DeliveryFailure(const SendResult& sent, std::string* reason) {
  if (!sent.response || sent.timed_out) {
    const std::string details = sent.timed_out ? "Read timed out" : "Connection refused";
    *reason = "I/O operation is failed. Details: [" + details + "]";
    return details;
  }
  const int status = sent.response->status;
  if (status >= 200 && status < 300) return "";
  *reason = "Webhook responses with code: [" + std::to_string(status) + "], reason: [" +
            internal::ReasonPhrase(status) + "]";
  return "HTTP status " + std::to_string(status);
}

}  // namespace

SendResult Platform::Impl::Send(const Delivery& delivery, Millis timeout) {
  subkeeper::http::HttpRequest request;
  request.method = "POST";
  request.url = delivery.address;
  request.timeout = timeout;
  request.body = delivery.body;
  auto& h = request.headers;
  h.emplace_back("User-Agent", kUserAgent);
  h.emplace_back("Accept", "application/json");
  if (delivery.kind == DeliveryKind::kValidation) {
    h.emplace_back("Validation-Token", delivery.uuid);
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("Content-Length", "0");
  } else {
    h.emplace_back("Content-Type", "application/json; charset=UTF-8");
  }
  if (!delivery.verification_token.empty()) {
    h.emplace_back("Verification-Token", delivery.verification_token.Reveal());
  }
  SendResult result;
  const auto start = clock.SteadyNow();
  auto answer = transport.Send(request);
  result.latency_ms = std::chrono::duration_cast<Millis>(clock.SteadyNow() - start).count();
  if (answer.ok()) {
    result.response = std::move(answer).value();
    result.timed_out = result.latency_ms > timeout.count();
  } else {
    result.error = answer.status().code();
    result.timed_out = result.error == subkeeper::StatusCode::kDeadlineExceeded;
  }
  return result;
}

void Platform::Impl::RecordDelivery(const Delivery& delivery, const SendResult& sent,
                                    const std::string& error, WallTime now) {
  DeliveryRecord record;
  record.seq = ++delivery_seq;
  record.time = now;
  record.subscription_id = delivery.subscription_id;
  record.kind = delivery.kind;
  record.event = delivery.event;
  record.uuid = delivery.uuid;
  record.status = sent.response ? sent.response->status : 0;
  record.latency_ms = sent.latency_ms;
  record.response_bytes = sent.response ? ResponseBytes(*sent.response) : 0;
  record.error = error;
  deliveries.push_back(std::move(record));
  if (deliveries.size() > kMaxLogRecords) deliveries.pop_front();
}

void Platform::Impl::CountDeliveryResult(const std::string& id, bool ok, const std::string& reason,
                                         WallTime now) {
  auto it = subs.find(id);
  if (it == subs.end()) return;
  Subscription& sub = it->second;
  if (ok) {
    sub.failures = 0;
    return;
  }
  ++sub.failures;
  if (!sub.blacklisted && sub.failures >= options.blacklist_after) {
    sub.blacklisted = true;
    sub.blacklist_reason = reason;
    sub.blacklisted_at = now;
  }
}

std::string Platform::Impl::Envelope(const Subscription& sub, const std::string& event,
                                     const std::string& uuid, const json& body,
                                     WallTime now) const {
  return json{{"uuid", uuid},
              {"event", event},
              {"timestamp", subkeeper::FormatIso8601(now)},
              {"subscriptionId", sub.id},
              {"ownerId", sub.owner.extension_id},
              {"body", body}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> Platform::Impl::FirstEventFilter(const Subscription& sub) const {
  for (const std::string& f : Snapshot(sub).event_filters) {
    if (!IsReminderFilter(f)) return f;
  }
  return std::nullopt;
}

Delivery Platform::Impl::EventDelivery(const Subscription& sub, const std::string& event,
                                       const std::string& uuid, const json& body,
                                       WallTime now) const {
  return Delivery{DeliveryKind::kEvent,
                  sub.id,
                  sub.address,
                  sub.verification_token,
                  event,
                  uuid,
                  Envelope(sub, event, uuid, body, now)};
}

std::vector<Delivery> Platform::Impl::DueReminders(WallTime now) {
  std::vector<Delivery> due;
  for (auto& [id, sub] : subs) {
    if (sub.blacklisted || !sub.reminder) continue;
    const auto left = std::chrono::duration_cast<Seconds>(sub.expiration - now);
    if (left > Seconds(sub.reminder->threshold_s)) continue;
    if (sub.last_reminder &&
        now - *sub.last_reminder + kReminderSlack < Seconds(sub.reminder->interval_s)) {
      continue;
    }
    sub.last_reminder = now;
    const std::string uuid = ids.Uuid();
    const std::string body =
        Envelope(sub, sub.reminder->raw, uuid, {{"expiresIn", left.count()}}, now);
    due.push_back(Delivery{DeliveryKind::kReminder, id, sub.address, sub.verification_token,
                           sub.reminder->raw, uuid, body});
  }
  return due;
}

DeliveryOutcome Platform::Deliver(const Delivery& delivery, WallTime now) {
  DeliveryOutcome outcome;
  outcome.uuid = delivery.uuid;
  Millis timeout{0};
  {
    subkeeper::MutexLock lock(impl_->mu);
    auto it = impl_->subs.find(delivery.subscription_id);
    if (it == impl_->subs.end() || it->second.blacklisted) {
      outcome.error = "not delivered: subscription is gone or blacklisted";
      return outcome;
    }
    timeout = impl_->options.delivery_timeout;
  }
  const SendResult sent = impl_->Send(delivery, timeout);
  std::string reason;
  outcome.error = DeliveryFailure(sent, &reason);
  outcome.ok = outcome.error.empty();
  outcome.status = sent.response ? sent.response->status : 0;
  outcome.latency_ms = sent.latency_ms;
  outcome.response_bytes = sent.response ? ResponseBytes(*sent.response) : 0;
  subkeeper::MutexLock lock(impl_->mu);
  impl_->RecordDelivery(delivery, sent, outcome.error, now);
  impl_->CountDeliveryResult(delivery.subscription_id, outcome.ok, reason, now);
  return outcome;
}

subkeeper::Result<DeliveryOutcome> Platform::Notify(std::string_view id,
                                                    std::optional<std::string> event,
                                                    std::optional<std::string> body_json,
                                                    std::optional<std::string> uuid, WallTime now) {
  Delivery delivery;
  {
    subkeeper::MutexLock lock(impl_->mu);
    auto it = impl_->subs.find(std::string(id));
    if (it == impl_->subs.end()) return subkeeper::Status::NotFound("unknown subscription");
    const Subscription& sub = it->second;
    if (sub.blacklisted) {
      return subkeeper::Status::FailedPrecondition("subscription is blacklisted");
    }
    if (!event) event = impl_->FirstEventFilter(sub);
    if (!event) return subkeeper::Status::FailedPrecondition("no event filter to notify");
    json body = json::object();
    if (body_json) body = json::parse(*body_json, nullptr, false);
    if (body.is_discarded()) return subkeeper::Status::InvalidArgument("body is not JSON");
    delivery = impl_->EventDelivery(sub, *event, uuid.value_or(impl_->ids.Uuid()), body, now);
  }
  return Deliver(delivery, now);
}

}  // namespace rcemu
