// The relay's threads: a loop that finds due subscriptions and hands them to the workers, the
// workers that deliver one subscription each, and how both are started, woken and stopped.
#include <algorithm>
#include <chrono>

#include "relay_internal.h"
#include "subkeeper/common/log.h"
#include "subkeeper/relay/relay.h"

namespace subkeeper::relay {

using internal::kPruneBatch;
using internal::kPruneEvery;
using internal::RouteKey;
using internal::UrlOf;

void Relay::Start() {
  MutexLock lock(mu_);
  if (loop_.joinable()) return;
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  loop_ = std::thread([this] { Loop(); });
}

void Relay::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  work_cv_.SignalAll();
  if (loop_.joinable()) loop_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  MutexLock lock(mu_);
  // Queued but never started: their events stay pending for the next start.
  for (const Task& task : tasks_) routes_[RouteKey(task.account, task.name)]->busy = false;
  tasks_.clear();
  stopping_ = false;
}

Result<WallTime> Relay::Dispatch() {
  const WallTime now = clock_.Now();
  SK_ASSIGN_OR_RETURN(std::vector<store::EventRecord> heads, store_.ListRelayHeads());
  const std::shared_ptr<const TargetLookup> targets = CurrentTargets();
  WallTime earliest{};
  bool queued = false;
  for (const store::EventRecord& head : heads) {
    const std::string* url = UrlOf(*targets, head);
    if (url == nullptr) continue;
    if (head.next_attempt_at > now) {
      if (earliest == WallTime{} || head.next_attempt_at < earliest)
        earliest = head.next_attempt_at;
      continue;
    }
    // A subscription already claimed is with a worker, which wakes the loop when it is done.
    if (!ClaimRoute(RouteKey(head.account, head.name))) continue;
    MutexLock lock(mu_);
    tasks_.push_back(Task{head.account, head.name, *url});
    queued = true;
  }
  if (queued) work_cv_.SignalAll();
  if ((!options_.prunes || options_.prunes()) &&
      (last_prune_ == WallTime{} || now - last_prune_ >= kPruneEvery)) {
    last_prune_ = now;
    SK_RETURN_IF_ERROR(
        store_.PruneEvents(now - options_.retention, now - options_.dead_retention, kPruneBatch)
            .status());
  }
  return earliest;
}

void Relay::Work() {
  for (;;) {
    Task task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && tasks_.empty()) work_cv_.Wait(mu_);
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    const std::string route = RouteKey(task.account, task.name);
    Status status = DeliverClaimed(task.account, task.name, task.url);
    if (!status.ok())
      logging::RelayLog({task.account, task.name}).debug("relay: {}", status.ToString());
    ReleaseRoute(route);
    Wake();  // its next events, or its retry time, are the loop's to schedule
  }
}

void Relay::Wake() {
  {
    MutexLock lock(mu_);
    woken_ = true;
  }
  cv_.SignalAll();
}

void Relay::Loop() {
  std::string last_error;  // logged once per distinct error, not every pass
  for (;;) {
    Result<WallTime> due = Dispatch();
    std::chrono::milliseconds wait = options_.idle_poll;
    if (!due.ok()) {
      if (due.status().ToString() != last_error) {
        last_error = due.status().ToString();
        logging::RelayLog().error("relay: {}", last_error);
      }
    } else {
      if (!last_error.empty()) logging::RelayLog().info("relay: store reachable again");
      last_error.clear();
      // The Clock is wall time (the due times are persisted); the wait itself is on the
      // condition variable's steady clock, bounded so a wall-clock jump cannot stall the loop.
      if (*due != WallTime{}) {
        wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*due - clock_.Now()),
                          std::chrono::milliseconds(0), options_.idle_poll);
      }
    }
    const SteadyTime deadline = std::chrono::steady_clock::now() + wait;
    MutexLock lock(mu_);
    while (!woken_ && !stopping_) {
      if (!cv_.WaitUntil(mu_, deadline)) break;
    }
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace subkeeper::relay
