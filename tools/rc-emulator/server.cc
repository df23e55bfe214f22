#include "rcemu/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <atomic>
#include <vector>

namespace rcemu {
namespace {

Request FromHttplib(const httplib::Request& req) {
  Request out;
  out.method = req.method;
  out.target = req.target.empty() ? req.path : req.target;
  out.body = req.body;
  for (const auto& [name, value] : req.headers) out.headers.emplace_back(name, value);
  return out;
}

void ToHttplib(const Response& resp, httplib::Response& res) {
  if (resp.delay.count() > 0) std::this_thread::sleep_for(resp.delay);
  if (resp.drop) {
    res.status = 200;
    res.set_header("Connection", "close");
    // Headers go out, then the provider fails: the promised byte never comes and the
    // connection closes (see server.h).
    res.set_content_provider(1, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.status = resp.status;
  std::string content_type;
  for (const auto& [name, value] : resp.headers) {
    if (strcasecmp(name.c_str(), "Content-Type") == 0) {
      content_type = value;
    } else {
      res.set_header(name, value);
    }
  }
  if (!resp.body.empty() || !content_type.empty()) {
    res.set_content(resp.body, content_type.empty() ? "application/json" : content_type.c_str());
  }
}

}  // namespace

Server::Server(Platform& platform, const subkeeper::Clock& clock, bool run_job_thread)
    : platform_(platform), clock_(clock), run_job_thread_(run_job_thread) {}

Server::~Server() { Stop(); }

subkeeper::Status Server::Start(const std::string& host, int port) {
  if (http_) return subkeeper::Status::FailedPrecondition("server already started");
  http_ = std::make_unique<httplib::Server>();
  http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http_->set_keep_alive_timeout(1);
  http_->set_read_timeout(2, 0);
  http_->set_write_timeout(5, 0);
  http_->set_payload_max_length(1 << 20);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    const Request request = FromHttplib(req);
    const Response response = platform_.Handle(request, clock_.Now());
    spdlog::debug("{} {} -> {}", request.method, req.path, response.drop ? 0 : response.status);
    ToHttplib(response, res);
  };
  http_->Get(".*", handler);
  http_->Post(".*", handler);
  http_->Put(".*", handler);
  http_->Delete(".*", handler);
  http_->Patch(".*", handler);
  int bound = -1;
  if (port == 0) {
    bound = http_->bind_to_any_port(host);
  } else if (http_->bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) {
    http_.reset();
    return subkeeper::Status::Unavailable("cannot bind " + host + ":" + std::to_string(port));
  }
  port_ = bound;
  listener_ = std::thread([this] { http_->listen_after_bind(); });
  // httplib's stop() is only reliable once the accept loop runs; wait for it (bounded).
  for (int i = 0; i < 200 && !http_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (run_job_thread_) job_ = std::thread([this] { JobLoop(); });
  return subkeeper::Status::OK();
}

void Server::Stop() {
  {
    subkeeper::MutexLock lock(mu_);
    if (stopping_ || !http_) return;
    stopping_ = true;
  }
  cv_.SignalAll();
  http_->stop();
  if (listener_.joinable()) listener_.join();
  if (job_.joinable()) job_.join();
}

void Server::JobLoop() {
  while (true) {
    const auto period = platform_.GetSettings().reminder_job_interval;
    {
      subkeeper::MutexLock lock(mu_);
      const auto deadline = std::chrono::steady_clock::now() + period;
      while (!stopping_) {
        if (!cv_.WaitUntil(mu_, deadline)) break;
      }
      if (stopping_) return;
    }
    RunJobOnce();
  }
}

void Server::RunJobOnce() {
  const std::vector<Delivery> due = platform_.Tick(clock_.Now());
  if (due.empty()) return;
  spdlog::debug("reminder job: {} deliveries due", due.size());
  // A slow subscriber may take the whole delivery timeout; a few workers keep one from
  // delaying every other reminder of the round.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < due.size(); i = next++) platform_.Deliver(due[i], clock_.Now());
  };
  std::vector<std::thread> workers;
  const size_t count = std::min<size_t>(due.size(), kDeliveryParallelism);
  for (size_t i = 1; i < count; ++i) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
}

}  // namespace rcemu
