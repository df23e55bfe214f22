#include "subkeeper/webhook/ingestor.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "subkeeper/common/metrics_hook.h"

namespace subkeeper::webhook {

// One queued event and, once the writer has run its batch, the outcome its waiter reads. All
// fields but `event` (moved out by the writer under mu_) are guarded by EventIngestor::mu_.
struct EventIngestor::Pending {
  store::EventRecord event;
  CondVar done_cv;
  bool taken = false;  // the writer moved it into a batch; it can no longer be withdrawn
  std::optional<Result<store::InsertOutcome>> outcome;
};

EventIngestor::EventIngestor(store::EventLog& store, size_t max_batch)
    : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch) {}

EventIngestor::~EventIngestor() { Stop(); }

void EventIngestor::Start() {
  MutexLock lock(mu_);
  if (writer_.joinable() || stopping_) return;
  writer_ = std::thread([this] { WriterLoop(); });
}

void EventIngestor::Stop() {
  std::deque<std::shared_ptr<Pending>> orphans;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    // Without a writer nobody would ever answer what is queued.
    if (!writer_.joinable()) orphans.swap(queue_);
  }
  cv_.SignalAll();
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
  MutexLock lock(mu_);
  for (auto& p : orphans) {
    p->outcome = Status::Unavailable("event ingestor stopped");
    p->done_cv.SignalAll();
  }
}

Result<store::InsertOutcome> EventIngestor::Commit(store::EventRecord event, SteadyTime deadline) {
  auto pending = std::make_shared<Pending>();
  pending->event = std::move(event);
  MutexLock lock(mu_);
  if (stopping_) return Status::Unavailable("event ingestor stopped");
  queue_.push_back(pending);
  cv_.Signal();
  while (!pending->outcome.has_value()) {
    if (!pending->done_cv.WaitUntil(mu_, deadline)) break;
  }
  if (!pending->outcome.has_value()) {
    // Withdrawn while still queued: once answered 503 the event must not reach the relay unless
    // the platform's retry brings it again. One already in a batch may still commit (its retry
    // is then a duplicate), which is as good as it gets without aborting the batch.
    if (!pending->taken) std::erase(queue_, pending);
    return Status::DeadlineExceeded("event not committed before the deadline");
  }
  return *pending->outcome;
}

void EventIngestor::SetOnCommitted(std::function<void()> on_committed) {
  on_committed_ = std::move(on_committed);
}

Result<std::vector<store::InsertOutcome>> EventIngestor::Insert(
    const std::vector<store::EventRecord>& events) {
  // The writer thread is a thread boundary: an exception escaping a Store implementation would
  // terminate the process, so it becomes an error every waiter sees.
  try {
    return store_.InsertEvents(events);
  } catch (const std::exception&) {
    return Status::Unavailable("event store threw while inserting");
  }
}

size_t EventIngestor::QueueDepth() const {
  MutexLock lock(mu_);
  return queue_.size();
}

std::optional<std::string> EventIngestor::CommitFailure(SteadyTime now,
                                                        std::chrono::nanoseconds hold) const {
  MutexLock lock(mu_);
  if (commit_failure_.empty() || now - commit_failed_at_ >= hold) return std::nullopt;
  return commit_failure_;
}

void EventIngestor::WriterLoop() {
  // Locked by hand: the lock is let go around each batch's insert.
  mu_.Lock();
  for (;;) {
    while (!stopping_ && queue_.empty()) cv_.Wait(mu_);
    if (queue_.empty()) break;  // stopping, and everything queued has been answered

    std::vector<std::shared_ptr<Pending>> batch;
    std::vector<store::EventRecord> events;
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
      batch.back()->taken = true;
      events.push_back(std::move(batch.back()->event));
    }
    mu_.Unlock();
    Result<std::vector<store::InsertOutcome>> result = Insert(events);
    const bool valid = result.ok() && result->size() == batch.size();
    // Before the waiters are answered, so that whoever sees a 200 also sees the relay woken.
    if (valid && on_committed_ &&
        std::ranges::find(*result, store::InsertOutcome::kInserted) != result->end()) {
      on_committed_();
    }
    if (valid) {
      for (size_t i = 0; i < events.size(); ++i) {
        if ((*result)[i] != store::InsertOutcome::kInserted) continue;
        metrics::Current().EventAccepted(events[i].account, events[i].name, events[i].received_at);
      }
    }
    mu_.Lock();
    if (valid) {
      commit_failure_.clear();
    } else {
      commit_failure_ =
          result.ok() ? "store returned a wrong number of outcomes" : result.status().ToString();
      commit_failed_at_ = std::chrono::steady_clock::now();
    }

    for (size_t i = 0; i < batch.size(); ++i) {
      if (!result.ok()) {
        batch[i]->outcome = result.status();
      } else if (!valid) {
        batch[i]->outcome = Status::Internal("store returned a wrong number of outcomes");
      } else {
        batch[i]->outcome = (*result)[i];
      }
      batch[i]->done_cv.SignalAll();
    }
  }
  mu_.Unlock();
}

}  // namespace subkeeper::webhook
