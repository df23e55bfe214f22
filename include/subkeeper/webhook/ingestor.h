// The EventSink in production: request threads enqueue events; one writer thread commits
// whatever is queued in a single transaction (group commit), then wakes every waiter with its
// outcome. A waiter whose deadline passes gets kDeadlineExceeded; its event may still be
// committed later only if the writer had already taken it into a batch; one still queued at its
// deadline is withdrawn and never stored. Either way the platform retries (dedupe on uuid).
//
// Thread-safety: Commit may be called from any number of threads; Start/Stop from one owner.
// Errors from Commit: the Store's own Status for a failed batch (kUnavailable when busy),
// kDeadlineExceeded when `deadline` (compared with std::chrono::steady_clock, so it must come
// from a real steady clock) passes first, kUnavailable once Stop() has begun.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "subkeeper/common/mutex.h"
#include "subkeeper/store/event_log.h"
#include "subkeeper/webhook/receiver.h"

namespace subkeeper::webhook {

class EventIngestor final : public EventSink {
 public:
  // `store` must outlive the ingestor. `max_batch` bounds one transaction.
  explicit EventIngestor(store::EventLog& store, size_t max_batch = 256);
  ~EventIngestor() override;  // Stop()s

  // Called on the writer thread after every batch that inserted at least one new event, before
  // its waiters are answered (e.g. to wake the relay). Set before Start; must not block.
  void SetOnCommitted(std::function<void()> on_committed);
  // Starts the writer thread. Events committed before Start wait in the queue. No-op when
  // already started or stopped.
  void Start();
  // Commits what is queued, then stops the writer. Later Commit calls get kUnavailable.
  // Idempotent. Without a started writer, queued waiters get kUnavailable.
  void Stop();

  Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) override;

  // Events waiting for the writer, not counting the batch being written (for metrics, tests).
  size_t QueueDepth() const;

  // For readiness: why events cannot be committed, or nullopt. Set when a batch fails (its
  // Status), cleared when a batch commits. With no notification after a failure nothing would
  // ever clear it, and a keeper that reports not-ready may be taken out of rotation and so never
  // get one: the failure is reported for `hold` after the last failed batch (steady clock), then
  // left to the store's own readiness probe.
  static constexpr std::chrono::seconds kDefaultFailureHold{60};
  std::optional<std::string> CommitFailure(
      SteadyTime now = std::chrono::steady_clock::now(),
      std::chrono::nanoseconds hold = kDefaultFailureHold) const;

 private:
  struct Pending;
  void WriterLoop();
  Result<std::vector<store::InsertOutcome>> Insert(const std::vector<store::EventRecord>& events);

  store::EventLog& store_;
  const size_t max_batch_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<std::shared_ptr<Pending>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  // The last batch's failure and when it happened; empty after a batch commits.
  std::string commit_failure_ GUARDED_BY(mu_);
  SteadyTime commit_failed_at_ GUARDED_BY(mu_){};
  std::function<void()> on_committed_;
  std::thread writer_;
};

}  // namespace subkeeper::webhook
