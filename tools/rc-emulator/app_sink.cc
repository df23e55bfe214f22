#include "rcemu/app_sink.h"

#include <spdlog/spdlog.h>

#include "subkeeper/relay/signature.h"

namespace rcemu {

namespace {

std::string HeaderOr(const Headers& headers, std::string_view name) {
  const std::string* value = headers.Find(name);
  return value == nullptr ? std::string() : *value;
}

std::string PathOnly(const std::string& target) { return target.substr(0, target.find('?')); }

}  // namespace

const char* SignatureCheckName(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kOk:
      return "ok";
    case SignatureCheck::kBad:
      return "BAD";
    case SignatureCheck::kUnchecked:
      break;
  }
  return "unchecked";
}

AppSink::AppSink(const subkeeper::Secret& secret)
    : checking_(!secret.empty()), key_(subkeeper::relay::SigningKey(secret).value_or("")) {}

SignatureCheck AppSink::Check(const Request& request, WallTime now) const {
  if (!checking_) return SignatureCheck::kUnchecked;
  // A secret that is not a Standard Webhooks one gives no key: nothing can match it.
  if (key_.empty()) return SignatureCheck::kBad;
  const std::string* id = request.headers.Find("webhook-id");
  const std::string* timestamp = request.headers.Find("webhook-timestamp");
  const std::string* signature = request.headers.Find("webhook-signature");
  if (id == nullptr || timestamp == nullptr || signature == nullptr) return SignatureCheck::kBad;
  const int64_t now_s = std::chrono::duration_cast<Seconds>(now.time_since_epoch()).count();
  return subkeeper::relay::Verify(key_, *id, *timestamp, request.body, *signature, now_s)
             ? SignatureCheck::kOk
             : SignatureCheck::kBad;
}

Response AppSink::Receive(const Request& request, WallTime now) {
  AppRecord record;
  record.time = now;
  record.path = PathOnly(request.target);
  record.webhook_id = HeaderOr(request.headers, "webhook-id");
  record.webhook_timestamp = HeaderOr(request.headers, "webhook-timestamp");
  record.account = HeaderOr(request.headers, "subkeeper-account");
  record.subscription = HeaderOr(request.headers, "subkeeper-subscription");
  record.kind = HeaderOr(request.headers, "subkeeper-event-kind");
  record.body_bytes = static_cast<int64_t>(request.body.size());
  record.signature = Check(request, now);
  spdlog::info("app {}: webhook-id {} subscription {}/{} kind {} ({} bytes), signature {}",
               record.path, record.webhook_id, record.account, record.subscription, record.kind,
               record.body_bytes, SignatureCheckName(record.signature));
  {
    subkeeper::MutexLock lock(mu_);
    record.seq = ++seq_;
    records_.push_back(std::move(record));
    if (records_.size() > kMaxRecords) records_.pop_front();
  }
  Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = "{}";
  return response;
}

std::vector<AppRecord> AppSink::Records() const {
  subkeeper::MutexLock lock(mu_);
  return {records_.begin(), records_.end()};
}

void AppSink::Clear() {
  subkeeper::MutexLock lock(mu_);
  records_.clear();
}

}  // namespace rcemu
