#include "worker_pool.h"

#include <algorithm>
#include <utility>

namespace subkeeper::server::internal {

WorkerPool::WorkerPool(int threads, const std::function<HttpResponse(const HttpRequest&)>& complete,
                       std::function<void()> on_done)
    : complete_(complete), on_done_(std::move(on_done)) {
  const int count = std::max(1, threads);
  for (int i = 0; i < count; ++i) workers_.emplace_back([this] { WorkerMain(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Submit(uint64_t connection, HttpRequest request) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back({connection, std::move(request)});
  }
  work_cv_.notify_one();
}

std::vector<WorkerPool::Done> WorkerPool::TakeDone() {
  std::vector<Done> done;
  std::lock_guard lock(mu_);
  done.swap(done_);
  return done;
}

void WorkerPool::Shutdown() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  work_cv_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void WorkerPool::WorkerMain() {
  for (;;) {
    Job job{};
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
      if (quit_) return;  // a queued request was never answered: the client retries
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    HttpResponse response;
    try {
      response = complete_(job.request);
    } catch (...) {
      // Never the exception's text: it may carry request data.
      response = JsonError(500, "internal error", true);
    }
    {
      std::lock_guard lock(mu_);
      done_.push_back({job.connection, std::move(response)});
    }
    on_done_();
  }
}

}  // namespace subkeeper::server::internal
