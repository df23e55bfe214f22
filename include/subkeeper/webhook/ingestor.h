// The EventSink in production: request threads enqueue events; one writer thread commits
// whatever is queued in a single transaction (group commit), then wakes every waiter with its
// outcome. A waiter whose deadline passes gets kDeadlineExceeded; its event may still be
// committed later, which is safe because the platform's retry is deduplicated on uuid.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "subkeeper/store/store.h"
#include "subkeeper/webhook/receiver.h"

namespace subkeeper::webhook {

class EventIngestor final : public EventSink {
 public:
  // `store` must outlive the ingestor. `max_batch` bounds one transaction.
  explicit EventIngestor(store::Store& store, size_t max_batch = 256);
  ~EventIngestor() override;  // Stop()s

  void Start();
  // Commits what is queued, then stops the writer. Later Commit calls get kUnavailable.
  void Stop();

  Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) override;

 private:
  struct Pending;
  void WriterLoop();

  store::Store& store_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>> queue_;  // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  std::thread writer_;
};

}  // namespace subkeeper::webhook
