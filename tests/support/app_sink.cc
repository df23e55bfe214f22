#include "support/app_sink.h"

#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <ctime>
#include <set>

#include "subkeeper/relay/signature.h"

namespace subkeeper::testing {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string SinkRequest::Header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

AppSink::AppSink() : server_(std::make_unique<httplib::Server>()) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    SinkRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.headers) request.headers.emplace(Lower(name), value);
    request.body = req.body;
    request.arrived = std::chrono::steady_clock::now();
    res.status = Handle(std::move(request));
    res.set_content(res.status / 100 == 2 ? "{}" : R"({"error":"app sink"})", "application/json");
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  // bind_to_any_port already listens: connections made before the accept loop runs queue up.
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

AppSink::~AppSink() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string AppSink::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void AppSink::SetStatus(const std::string& path, int status) {
  std::lock_guard lock(mu_);
  behaviour_[path].status = status;
}

void AppSink::FailNext(const std::string& path, int count, int status) {
  std::lock_guard lock(mu_);
  behaviour_[path].fail_next = count;
  behaviour_[path].fail_status = status;
}

void AppSink::Stall(const std::string& path, std::chrono::milliseconds max_hold) {
  std::lock_guard lock(mu_);
  behaviour_[path].stall = true;
  behaviour_[path].max_hold = max_hold;
}

void AppSink::ReleaseStalls(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    behaviour_[path].stall = false;
    ++behaviour_[path].release_epoch;
  }
  cv_.notify_all();
}

int AppSink::Handle(SinkRequest request) {
  std::unique_lock lock(mu_);
  PathBehaviour& b = behaviour_[request.path];
  int status = b.status;
  if (b.fail_next > 0) {
    --b.fail_next;
    status = b.fail_status;
  }
  request.index = static_cast<int64_t>(requests_.size());
  request.status = status;
  request.stalled = b.stall;
  const bool stall = b.stall;
  const auto deadline = request.arrived + b.max_hold;
  const int64_t epoch = b.release_epoch;
  const std::string path = request.path;
  requests_.push_back(std::move(request));
  cv_.notify_all();
  if (stall) {
    ++held_;
    cv_.wait_until(lock, deadline,
                   [&] { return stopping_ || behaviour_[path].release_epoch != epoch; });
    --held_;
  }
  return status;
}

std::vector<SinkRequest> AppSink::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<SinkRequest> AppSink::RequestsTo(const std::string& path) const {
  std::lock_guard lock(mu_);
  std::vector<SinkRequest> out;
  for (const auto& r : requests_) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

int AppSink::Held() const {
  std::lock_guard lock(mu_);
  return held_;
}

bool AppSink::WaitFor(const std::function<bool(const std::vector<SinkRequest>&)>& predicate,
                      std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return predicate(requests_); });
}

std::vector<std::string> FirstDeliveries(const std::vector<SinkRequest>& requests) {
  std::vector<std::string> order;
  std::set<std::string> seen;
  for (const auto& r : requests) {
    if (r.ok() && seen.insert(r.Header("webhook-id")).second)
      order.push_back(r.Header("webhook-id"));
  }
  return order;
}

bool SignedWith(const SinkRequest& request, const std::string& key) {
  return relay::Verify(key, request.Header("webhook-id"), request.Header("webhook-timestamp"),
                       request.body, request.Header("webhook-signature"),
                       static_cast<int64_t>(std::time(nullptr)));
}

}  // namespace subkeeper::testing
