// Internal to EventServer: the threads that run complete requests through the handler, so a
// slow handler holds a worker and never the event loop. Answers are queued for the loop, which
// is woken to collect them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "http_message.h"
#include "subkeeper/common/mutex.h"

namespace subkeeper::server::internal {

class WorkerPool {
 public:
  // An answer for the connection whose request it was.
  struct Done {
    uint64_t connection;
    HttpResponse response;
  };

  // Starts max(1, threads) workers. Each runs `complete` on one request at a time (an exception
  // becomes a 500 that closes the connection, never echoing its text) and then calls
  // `on_done` from its own thread. Both must outlive the pool.
  WorkerPool(int threads, const std::function<HttpResponse(const HttpRequest&)>& complete,
             std::function<void()> on_done);
  ~WorkerPool();  // Shutdown()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `request` of `connection` for the next free worker. Thread-safe.
  void Submit(uint64_t connection, HttpRequest request);
  // The answers finished since the last call, in the order they finished. Thread-safe.
  std::vector<Done> TakeDone();
  // Lets each worker finish the request it holds, then joins them; queued requests are dropped
  // (their clients retry). Idempotent; for the owner thread.
  void Shutdown();

 private:
  struct Job {
    uint64_t connection;
    HttpRequest request;
  };

  void WorkerMain();

  const std::function<HttpResponse(const HttpRequest&)>& complete_;
  const std::function<void()> on_done_;
  Mutex mu_;
  CondVar work_cv_;
  std::deque<Job> jobs_ GUARDED_BY(mu_);
  std::vector<Done> done_ GUARDED_BY(mu_);
  bool quit_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace subkeeper::server::internal
