#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http_common.h"
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

}  // namespace

AdminServer::AdminServer(AdminSource& source, const config::ServerConfig& options)
    : http_(std::make_unique<httplib::Server>()) {
  internal::Harden(*http_, kAdminThreads, options);
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    SetJson(res, 200, R"({"status":"ok"})");
  });
  http_->Get("/readyz", [&source](const httplib::Request&, httplib::Response& res) {
    ServeReadiness(source, res);
  });
  http_->Get("/v1/subscriptions", [&source](const httplib::Request&, httplib::Response& res) {
    SetJson(res, 200, source.SubscriptionsJson());
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
