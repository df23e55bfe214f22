#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http_common.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::server {

namespace {

// Admin traffic is a probe or an operator: a small pool is enough and keeps threads for the
// webhook listener.
constexpr int kAdminThreads = 4;

void SetJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void ServeReadiness(AdminSource& source, httplib::Response& res) {
  const AdminSource::Readiness readiness = source.GetReadiness();
  nlohmann::json body{{"ready", readiness.ready}};
  if (!readiness.ready) body["reasons"] = readiness.reasons;
  if (readiness.config_generation > 0) body["config_generation"] = readiness.config_generation;
  if (!readiness.config_refused.empty()) body["config_refused"] = readiness.config_refused;
  SetJson(res, readiness.ready ? 200 : 503,
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Probes stay open: an orchestrator's liveness and readiness checks carry no credentials.
bool NeedsToken(const std::string& path) { return path != "/healthz" && path != "/readyz"; }

bool HasToken(const httplib::Request& req, const Secret& token) {
  constexpr std::string_view kScheme = "Bearer ";
  const std::string header = req.get_header_value("Authorization");
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0) {
    return false;
  }
  return ConstantTimeEquals(std::string_view(header).substr(kScheme.size()), token.Reveal());
}

// Account and subscription names are [A-Za-z0-9_-]{1,64}.
constexpr const char* kSubscriptionPath =
    R"(/v1/subscriptions/([A-Za-z0-9_-]{1,64})/([A-Za-z0-9_-]{1,64}))";

}  // namespace

AdminServer::AdminServer(AdminSource& source, AdminOptions options)
    : http_(std::make_unique<httplib::Server>()) {
  internal::Harden(*http_, kAdminThreads, options.server);
  if (!options.token.empty()) {
    http_->set_pre_routing_handler(
        [token = std::move(options.token)](const httplib::Request& req, httplib::Response& res) {
          if (!NeedsToken(req.path) || HasToken(req, token)) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          res.set_header("WWW-Authenticate", R"(Bearer realm="subkeeper")");
          SetJson(res, 401, R"({"error":"a valid bearer token is required"})");
          return httplib::Server::HandlerResponse::Handled;
        });
  }
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    SetJson(res, 200, R"({"status":"ok"})");
  });
  http_->Get("/readyz", [&source](const httplib::Request&, httplib::Response& res) {
    ServeReadiness(source, res);
  });
  http_->Get("/v1/subscriptions", [&source](const httplib::Request&, httplib::Response& res) {
    SetJson(res, 200, source.SubscriptionsJson());
  });
  http_->Get(kSubscriptionPath, [&source](const httplib::Request& req, httplib::Response& res) {
    const AdminSource::Answer answer = source.SubscriptionJson(req.matches[1], req.matches[2]);
    SetJson(res, answer.status, answer.body);
  });
  http_->Post(std::string(kSubscriptionPath) + "/renew", [&source](const httplib::Request& req,
                                                                   httplib::Response& res) {
    const AdminSource::Answer answer = source.RequestRenewal(req.matches[1], req.matches[2]);
    SetJson(res, answer.status, answer.body);
  });
  http_->Get("/metrics", [&source](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(source.MetricsText(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http_->Post("/v1/relay/wake", [&source](const httplib::Request&, httplib::Response& res) {
    source.WakeRelay();
    SetJson(res, 202, R"({"woken":true})");
  });
}

AdminServer::~AdminServer() { Stop(); }

Result<int> AdminServer::Bind(const std::string& host, int port) {
  return internal::BindServer(*http_, host, port);
}

void AdminServer::Start() { internal::StartServer(*http_, thread_); }

void AdminServer::Stop() { internal::StopServer(*http_, thread_); }

}  // namespace subkeeper::server
