// The /_emulator control API and the typed control operations behind it. Control calls need no
// auth, are never rate limited and never enter the call log.
#include <algorithm>
#include <cctype>
#include <map>

#include "platform_impl.h"
#include "subkeeper/common/time_format.h"

namespace rcemu {

using internal::JsonResponse;
using nlohmann::json;

namespace {

Response ControlError(int status, const std::string& message) {
  return JsonResponse(status, {{"error", message}});
}

json SettingsJson(const Settings& s) {
  return {{"remindersEnabled", s.reminders_enabled},
          {"reminderJobIntervalS", s.reminder_job_interval.count()},
          {"blacklistAfter", s.blacklist_after},
          {"accessTokenTtlS", s.access_token_ttl.count()}};
}

std::optional<FaultKind> ParseFaultKind(const std::string& kind) {
  if (kind == "status") return FaultKind::kStatus;
  if (kind == "latency") return FaultKind::kLatency;
  if (kind == "rate_limit") return FaultKind::kRateLimit;
  if (kind == "drop") return FaultKind::kDrop;
  return std::nullopt;
}

// Throws nlohmann::json::exception on wrongly typed fields; the caller answers 400.
std::optional<Fault> ParseFault(const json& body) {
  const auto kind = ParseFaultKind(body.value("kind", std::string()));
  if (!kind) return std::nullopt;
  Fault fault;
  fault.kind = *kind;
  fault.count = body.value("count", 1);
  fault.method = body.value("method", std::string());
  std::transform(fault.method.begin(), fault.method.end(), fault.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  fault.path_prefix = body.value("pathPrefix", std::string());
  fault.status = body.value("status", 503);
  fault.latency = Millis(body.value("latencyMs", int64_t{0}));
  fault.echo_request = body.value("echoRequest", false);
  if (body.contains("retryAfter")) fault.retry_after = Seconds(body["retryAfter"].get<int64_t>());
  if (fault.count < 1 || fault.status < 100 || fault.status > 599 || fault.latency.count() < 0) {
    return std::nullopt;
  }
  return fault;
}

json CallJson(const CallRecord& c) {
  return {{"seq", c.seq},       {"time", subkeeper::FormatIso8601(c.time)},
          {"method", c.method}, {"path", c.path},
          {"status", c.status}, {"group", c.group},
          {"user", c.user},     {"inPenalty", c.in_penalty},
          {"agent", c.agent}};
}

json DeliveryJson(const DeliveryRecord& d) {
  return {{"seq", d.seq},
          {"time", subkeeper::FormatIso8601(d.time)},
          {"subscriptionId", d.subscription_id},
          {"kind", DeliveryKindName(d.kind)},
          {"event", d.event},
          {"uuid", d.uuid},
          {"status", d.status},
          {"latencyMs", d.latency_ms},
          {"responseBytes", d.response_bytes},
          {"error", d.error}};
}

json AppRecordJson(const AppRecord& r) {
  return {{"seq", r.seq},
          {"time", subkeeper::FormatIso8601(r.time)},
          {"path", r.path},
          {"webhookId", r.webhook_id},
          {"webhookTimestamp", r.webhook_timestamp},
          {"account", r.account},
          {"subscription", r.subscription},
          {"kind", r.kind},
          {"bodyBytes", r.body_bytes},
          {"signature", SignatureCheckName(r.signature)}};
}

// GET lists what the sink holds, with totals over that window so a glance says whether every
// delivery was signed correctly; DELETE empties it.
Response AppListOp(AppSink& sink, const Request& req) {
  if (req.method == "DELETE") {
    sink.Clear();
    return JsonResponse(200, {{"cleared", true}});
  }
  json list = json::array();
  std::map<std::string, int> by_signature;
  for (const AppRecord& r : sink.Records()) {
    list.push_back(AppRecordJson(r));
    ++by_signature[SignatureCheckName(r.signature)];
  }
  return JsonResponse(
      200, {{"count", list.size()}, {"signatures", by_signature}, {"deliveries", std::move(list)}});
}

Response SubscriptionOp(Platform& platform, const Request& req, const std::string& rest,
                        WallTime now) {
  const size_t slash = rest.find('/');
  if (slash == std::string::npos) return ControlError(404, "unknown control endpoint");
  const std::string id = rest.substr(0, slash);
  const std::string op = rest.substr(slash + 1);
  const json body = req.body.empty() ? json::object() : json::parse(req.body);
  auto done = [](bool found) {
    return found ? JsonResponse(200, {{"ok", true}}) : ControlError(404, "unknown subscription");
  };
  if (op == "purge") return done(platform.Purge(id));
  if (op == "blacklist") {
    return done(platform.Blacklist(
        id, body.value("reason", std::string("Blacklisted by the emulator control API")), now));
  }
  if (op == "disable-filter") {
    return done(platform.DisableFilter(
        id, body.at("filter").get<std::string>(),
        body.value("reason", std::string("Filter disabled by the emulator control API"))));
  }
  if (op != "notify") return ControlError(404, "unknown subscription operation " + op);
  std::optional<std::string> event, payload, uuid;
  if (body.contains("event")) event = body["event"].get<std::string>();
  if (body.contains("body")) payload = body["body"].dump();
  if (body.contains("uuid")) uuid = body["uuid"].get<std::string>();
  auto outcome = platform.Notify(id, event, payload, uuid, now);
  if (!outcome.ok()) {
    const bool missing = outcome.status().code() == subkeeper::StatusCode::kNotFound;
    return JsonResponse(
        missing ? 404 : 200,
        {{"uuid", uuid.value_or("")}, {"status", 0}, {"error", outcome.status().message()}});
  }
  return JsonResponse(
      200, {{"uuid", outcome->uuid}, {"status", outcome->status}, {"error", outcome->error}});
}

Response FaultsOp(Platform& platform, const Request& req) {
  if (req.method == "DELETE") {
    platform.ClearFaults();
    return JsonResponse(200, {{"cleared", true}});
  }
  if (req.method != "POST") return ControlError(405, "use POST or DELETE");
  const auto fault = ParseFault(json::parse(req.body));
  if (!fault) return ControlError(400, "invalid fault");
  platform.AddFault(*fault);
  return JsonResponse(200, {{"added", true}});
}

Response SettingsOp(Platform& platform, const Request& req) {
  Settings s = platform.GetSettings();
  if (req.method == "POST") {
    const json body = req.body.empty() ? json::object() : json::parse(req.body);
    s.reminders_enabled = body.value("remindersEnabled", s.reminders_enabled);
    s.reminder_job_interval =
        Seconds(body.value("reminderJobIntervalS", s.reminder_job_interval.count()));
    s.blacklist_after = body.value("blacklistAfter", s.blacklist_after);
    s.access_token_ttl = Seconds(body.value("accessTokenTtlS", s.access_token_ttl.count()));
    if (s.reminder_job_interval.count() < 1 || s.blacklist_after < 1 ||
        s.access_token_ttl.count() < 1) {
      return ControlError(400, "settings must be positive");
    }
    platform.UpdateSettings(s);
  }
  return JsonResponse(200, SettingsJson(s));
}

}  // namespace

namespace {

json ControlRecords(const Platform::Impl& impl, const std::string& base, WallTime now)
    REQUIRES(impl.mu) {
  json records = json::array();
  for (const auto& [id, sub] : impl.subs) {
    json record = impl.SubscriptionJson(sub, base, now);
    record["ownerId"] = sub.owner.extension_id;
    record["verificationTokenSet"] = !sub.verification_token.empty();
    record["failures"] = sub.failures;
    records.push_back(std::move(record));
  }
  return records;
}

Response LogsOp(Platform& platform, const Request& req, bool calls) {
  if (req.method == "DELETE") {
    calls ? platform.ClearCalls() : platform.ClearDeliveries();
    return JsonResponse(200, {{"cleared", true}});
  }
  json list = json::array();
  if (calls) {
    for (const auto& c : platform.Calls()) list.push_back(CallJson(c));
    return JsonResponse(200, {{"calls", list}});
  }
  for (const auto& d : platform.Deliveries()) list.push_back(DeliveryJson(d));
  return JsonResponse(200, {{"deliveries", list}});
}

}  // namespace

Response Platform::HandleControl(const Request& request, WallTime now) {
  const std::string path = internal::PathOf(request.target);
  const std::string& m = request.method;
  const std::string kSubs = "/_emulator/subscriptions/";
  try {
    if (path == "/_emulator/health") return JsonResponse(200, {{"status", "ok"}});
    if (path == "/_emulator/subscriptions" && m == "GET") {
      const std::string* host = request.headers.Find("Host");
      subkeeper::MutexLock lock(impl_->mu);
      const std::string base = host ? "http://" + *host : impl_->options.base_url;
      return JsonResponse(200, {{"records", ControlRecords(*impl_, base, now)}});
    }
    if (path.starts_with(kSubs) && m == "POST") {
      return SubscriptionOp(*this, request, path.substr(kSubs.size()), now);
    }
    if (path == "/_emulator/faults") return FaultsOp(*this, request);
    if (path == "/_emulator/settings") return SettingsOp(*this, request);
    if (path == "/_emulator/revoke-jwt" && m == "POST") {
      RevokeJwt(json::parse(request.body).at("assertion").get<std::string>());
      return JsonResponse(200, {{"revoked", true}});
    }
    if (path == "/_emulator/app" && (m == "GET" || m == "DELETE")) {
      return AppListOp(impl_->app_sink, request);
    }
    if ((path == "/_emulator/app" || path.starts_with("/_emulator/app/")) && m == "POST") {
      return impl_->app_sink.Receive(request, now);
    }
    if (path == "/_emulator/calls") return LogsOp(*this, request, true);
    if (path == "/_emulator/deliveries") return LogsOp(*this, request, false);
  } catch (const json::exception& e) {
    return ControlError(400, std::string("invalid request body: ") + e.what());
  }
  return ControlError(404, "unknown control endpoint " + m + " " + path);
}

bool Platform::Purge(std::string_view id) {
  subkeeper::MutexLock lock(impl_->mu);
  return impl_->subs.erase(std::string(id)) > 0;
}

bool Platform::Blacklist(std::string_view id, std::string reason, WallTime now) {
  subkeeper::MutexLock lock(impl_->mu);
  auto it = impl_->subs.find(std::string(id));
  if (it == impl_->subs.end()) return false;
  it->second.blacklisted = true;
  it->second.blacklist_reason = std::move(reason);
  it->second.blacklisted_at = now;
  return true;
}

bool Platform::DisableFilter(std::string_view id, std::string filter, std::string reason) {
  subkeeper::MutexLock lock(impl_->mu);
  auto it = impl_->subs.find(std::string(id));
  if (it == impl_->subs.end()) return false;
  it->second.disabled.push_back(DisabledFilter{std::move(filter), std::move(reason)});
  return true;
}

void Platform::AddFault(Fault fault) {
  subkeeper::MutexLock lock(impl_->mu);
  impl_->faults.push_back(std::move(fault));
}

void Platform::ClearFaults() {
  subkeeper::MutexLock lock(impl_->mu);
  impl_->faults.clear();
}

Settings Platform::GetSettings() const {
  subkeeper::MutexLock lock(impl_->mu);
  return Settings{impl_->options.reminders_enabled, impl_->options.reminder_job_interval,
                  impl_->options.blacklist_after, impl_->options.access_token_ttl};
}

void Platform::UpdateSettings(const Settings& settings) {
  subkeeper::MutexLock lock(impl_->mu);
  Options& o = impl_->options;
  o.reminders_enabled = settings.reminders_enabled;
  o.reminder_job_interval = settings.reminder_job_interval;
  o.blacklist_after = settings.blacklist_after;
  o.access_token_ttl = settings.access_token_ttl;
}

void Platform::RevokeJwt(std::string assertion) {
  subkeeper::MutexLock lock(impl_->mu);
  impl_->revoked_jwts.insert(std::move(assertion));
}

std::vector<SubscriptionSnapshot> Platform::Subscriptions() const {
  subkeeper::MutexLock lock(impl_->mu);
  std::vector<SubscriptionSnapshot> out;
  for (const auto& [id, sub] : impl_->subs) out.push_back(impl_->Snapshot(sub));
  return out;
}

std::vector<CallRecord> Platform::Calls() const {
  subkeeper::MutexLock lock(impl_->mu);
  return {impl_->calls.begin(), impl_->calls.end()};
}

void Platform::ClearCalls() {
  subkeeper::MutexLock lock(impl_->mu);
  impl_->calls.clear();
}

std::vector<DeliveryRecord> Platform::Deliveries() const {
  subkeeper::MutexLock lock(impl_->mu);
  return {impl_->deliveries.begin(), impl_->deliveries.end()};
}

void Platform::ClearDeliveries() {
  subkeeper::MutexLock lock(impl_->mu);
  impl_->deliveries.clear();
}

std::vector<AppRecord> Platform::AppRecords() const { return impl_->app_sink.Records(); }

}  // namespace rcemu
