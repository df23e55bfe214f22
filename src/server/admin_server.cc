#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "event_server.h"
#include "http_message.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::server {

namespace {

using internal::HttpRequest;
using internal::HttpResponse;

// Admin traffic is probes and an operator. Only complete requests reach a worker: a slow or
// idle client holds a file descriptor on the loop, never one of these.
constexpr int kAdminThreads = 4;
// Beyond this many open admin connections a new one is accepted and closed at once, so the
// admin port cannot use up the descriptors the webhook listener needs.
constexpr size_t kAdminMaxConnections = 1024;
constexpr size_t kAdminMaxBody = 65536;  // no admin endpoint reads a body

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = std::move(body);
  return r;
}

HttpResponse FromAnswer(const AdminSource::Answer& answer) {
  return Json(answer.status, answer.body);
}

HttpResponse Readiness(AdminSource& source) {
  const AdminSource::Readiness readiness = source.GetReadiness();
  nlohmann::json body{{"ready", readiness.ready}};
  if (!readiness.ready) body["reasons"] = readiness.reasons;
  if (readiness.config_generation > 0) body["config_generation"] = readiness.config_generation;
  if (!readiness.config_refused.empty()) body["config_refused"] = readiness.config_refused;
  return Json(readiness.ready ? 200 : 503,
              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool IsGet(const HttpRequest& request) {
  return request.method == "GET" || request.method == "HEAD";
}

// Probes stay open: an orchestrator's liveness and readiness checks carry no credentials.
bool NeedsToken(std::string_view path) { return path != "/healthz" && path != "/readyz"; }

bool HasToken(const HttpRequest& request, const Secret& token) {
  constexpr std::string_view kScheme = "Bearer ";
  const std::string* header = request.Header("Authorization");
  if (header == nullptr || header->size() <= kScheme.size() ||
      header->compare(0, kScheme.size(), kScheme) != 0) {
    return false;
  }
  return ConstantTimeEquals(std::string_view(*header).substr(kScheme.size()), token.Reveal());
}

// Account and subscription names are [A-Za-z0-9_-]{1,64}.
bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// "/v1/subscriptions/<account>/<name>[/renew]": the names, and whether "/renew" follows.
struct SubscriptionTarget {
  std::string account;
  std::string name;
  bool renew = false;
};

std::optional<SubscriptionTarget> ParseSubscriptionPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/subscriptions/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  SubscriptionTarget target;
  constexpr std::string_view kRenew = "/renew";
  if (path.ends_with(kRenew)) {
    target.renew = true;
    path.remove_suffix(kRenew.size());
  }
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view account = path.substr(0, slash);
  const std::string_view name = path.substr(slash + 1);
  if (!IsName(account) || !IsName(name)) return std::nullopt;
  target.account = account;
  target.name = name;
  return target;
}

HttpResponse NotAllowed() { return internal::JsonError(405, "method not allowed"); }

// On a worker, with a complete request.
HttpResponse Route(AdminSource& source, const Secret& token, const HttpRequest& request) {
  const std::string& path = request.path;
  if (!token.empty() && NeedsToken(path) && !HasToken(request, token)) {
    HttpResponse denied = Json(401, R"({"error":"a valid bearer token is required"})");
    denied.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="subkeeper")");
    return denied;
  }
  if (path == "/healthz") {
    return IsGet(request) ? Json(200, R"({"status":"ok"})") : NotAllowed();
  }
  if (path == "/readyz") return IsGet(request) ? Readiness(source) : NotAllowed();
  if (path == "/v1/subscriptions") {
    return IsGet(request) ? Json(200, source.SubscriptionsJson()) : NotAllowed();
  }
  if (path == "/metrics") {
    if (!IsGet(request)) return NotAllowed();
    HttpResponse metrics;
    metrics.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
    metrics.body = source.MetricsText();
    return metrics;
  }
  if (path == "/v1/relay/wake") {
    if (request.method != "POST") return NotAllowed();
    source.WakeRelay();
    return Json(202, R"({"woken":true})");
  }
  if (auto target = ParseSubscriptionPath(path)) {
    if (target->renew) {
      if (request.method != "POST") return NotAllowed();
      return FromAnswer(source.RequestRenewal(target->account, target->name));
    }
    if (!IsGet(request)) return NotAllowed();
    return FromAnswer(source.SubscriptionJson(target->account, target->name));
  }
  return internal::JsonError(404, "not found");
}

// On the loop thread, as soon as the head is parsed: liveness needs nothing but the loop
// itself, so it is answered even when every worker is busy.
std::optional<HttpResponse> AnswerLiveness(const HttpRequest& request) {
  if (request.path != "/healthz" || !IsGet(request)) return std::nullopt;
  return Json(200, R"({"status":"ok"})");
}

internal::EventServerOptions ToOptions(const ServerOptions& options) {
  internal::EventServerOptions o;
  o.threads = kAdminThreads;
  o.read_timeout_ms = std::max<int64_t>(1, options.read_timeout_ms);
  o.keep_alive_s = std::max<int64_t>(0, options.keep_alive_s);
  o.max_body_bytes =
      std::min(kAdminMaxBody, static_cast<size_t>(std::max<int64_t>(0, options.max_body_bytes)));
  o.max_connections = kAdminMaxConnections;
  o.stop_grace_ms = 2000;
  o.webhook_metrics = false;
  return o;
}

}  // namespace

AdminServer::AdminServer(AdminSource& source, AdminOptions options)
    : token_(std::move(options.token)),
      impl_(std::make_unique<internal::EventServer>(
          internal::EventHandlers{AnswerLiveness,
                                  [&source, this](const HttpRequest& request) {
                                    return Route(source, token_, request);
                                  }},
          ToOptions(options.server))) {}

AdminServer::~AdminServer() { Stop(); }

Result<int> AdminServer::Bind(const std::string& host, int port) { return impl_->Bind(host, port); }

void AdminServer::Start() { impl_->Start(); }

void AdminServer::Stop() { impl_->Stop(); }

}  // namespace subkeeper::server
