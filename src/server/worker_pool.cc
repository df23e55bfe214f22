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
    MutexLock lock(mu_);
    jobs_.push_back({connection, std::move(request)});
  }
  work_cv_.Signal();
}

std::vector<WorkerPool::Done> WorkerPool::TakeDone() {
  std::vector<Done> done;
  MutexLock lock(mu_);
  done.swap(done_);
  return done;
}

void WorkerPool::Shutdown() {
  {
    MutexLock lock(mu_);
    quit_ = true;
  }
  work_cv_.SignalAll();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void WorkerPool::WorkerMain() {
  for (;;) {
    Job job{};
    {
      MutexLock lock(mu_);
      while (!quit_ && jobs_.empty()) work_cv_.Wait(mu_);
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
      MutexLock lock(mu_);
      done_.push_back({job.connection, std::move(response)});
    }
    on_done_();
  }
}

}  // namespace subkeeper::server::internal
