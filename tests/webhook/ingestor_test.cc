#include "subkeeper/webhook/ingestor.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "subkeeper/store/sqlite_store.h"
#include "support/forwarding_store.h"

namespace subkeeper::webhook {
namespace {

using store::EventRecord;
using store::InsertOutcome;

// Only InsertEvents behaves; its first call can be held at a gate so that later events pile up
// in the ingestor's queue.
class FakeStore final : public store::EventLog {
 public:
  Result<std::vector<InsertOutcome>> InsertEvents(const std::vector<EventRecord>& batch) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return gate_open_; });
    if (!fail_.ok()) return fail_;
    batch_sizes_.push_back(batch.size());
    for (const auto& e : batch) seen_.push_back(e.uuid);
    std::vector<InsertOutcome> out;
    for (const auto& e : batch) {
      out.push_back(uuids_.insert(e.uuid).second ? InsertOutcome::kInserted
                                                 : InsertOutcome::kDuplicate);
    }
    return out;
  }

  void CloseGate() { SetGate(false); }
  void OpenGate() { SetGate(true); }
  void Fail(Status s) {
    std::lock_guard lock(mu_);
    fail_ = std::move(s);
  }
  // Waits until InsertEvents has been entered `n` times.
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  std::vector<size_t> batch_sizes() {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  // Every uuid passed to InsertEvents, duplicates included, in order.
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  size_t stored() {
    std::lock_guard lock(mu_);
    return uuids_.size();
  }

  // The rest of the event log is not the ingestor's business.
  Result<std::vector<EventRecord>> ListEvents(std::string_view, std::string_view,
                                              std::optional<store::RelayState>, int) override {
    return No();
  }
  Result<std::vector<EventRecord>> ListRelayHeads() override { return No(); }
  Status UpdateRelay(int64_t, const store::RelayUpdate&) override { return No(); }
  Result<int64_t> RequeueEvents(const store::ReplayQuery&) override { return No(); }
  Result<int64_t> PruneEvents(WallTime, WallTime, int) override { return No(); }
  Result<std::vector<store::RelayBacklog>> CountRelay() override { return No(); }
  Result<std::vector<store::LastEvent>> ListLastEvents() override { return No(); }

 private:
  static Status No() { return Status::Internal("not used by the ingestor"); }
  void SetGate(bool open) {
    std::lock_guard lock(mu_);
    gate_open_ = open;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_open_ = true;            // guarded by mu_
  int entered_ = 0;                  // guarded by mu_
  Status fail_;                      // guarded by mu_
  std::vector<size_t> batch_sizes_;  // guarded by mu_
  std::set<std::string> uuids_;      // guarded by mu_
  std::vector<std::string> seen_;    // guarded by mu_
};

EventRecord Event(const std::string& uuid) {
  EventRecord e;
  e.uuid = uuid;
  e.account = "main";
  e.name = "sms";
  return e;
}

SteadyTime Later() { return std::chrono::steady_clock::now() + std::chrono::seconds(30); }

// Polls a condition that another thread makes true, bounded by a deadline.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_CASE("concurrent commits are grouped into few transactions", "[webhook]") {
  constexpr int kThreads = 50;
  FakeStore store;
  EventIngestor ingestor(store);
  ingestor.Start();
  store.CloseGate();

  std::vector<std::optional<Result<InsertOutcome>>> results(kThreads);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = ingestor.Commit(Event("e0"), Later()); });
  REQUIRE(store.WaitEntered(1));  // the first batch is now held at the gate
  for (int i = 1; i < kThreads; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = ingestor.Commit(Event("e" + std::to_string(i)), Later()); });
  }
  REQUIRE(Eventually([&] { return ingestor.QueueDepth() == kThreads - 1; }));
  store.OpenGate();
  for (auto& t : threads) t.join();

  for (const auto& r : results) {
    REQUIRE(r.has_value());
    REQUIRE(r->ok());
    CHECK(**r == InsertOutcome::kInserted);
  }
  CHECK(store.stored() == kThreads);
  CHECK(store.batch_sizes() == std::vector<size_t>{1, kThreads - 1});
}

TEST_CASE("a batch never exceeds max_batch, and duplicates are reported", "[webhook]") {
  FakeStore store;
  EventIngestor ingestor(store, /*max_batch=*/4);
  std::vector<std::thread> threads;
  std::atomic<int> duplicates = 0;
  // Committed before Start: everything waits in the queue, then drains in bounded batches.
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] {
      auto r = ingestor.Commit(Event("e" + std::to_string(i % 5)), Later());
      if (r.ok() && *r == InsertOutcome::kDuplicate) ++duplicates;
    });
  }
  REQUIRE(Eventually([&] { return ingestor.QueueDepth() == 10; }));
  ingestor.Start();
  for (auto& t : threads) t.join();
  CHECK(store.batch_sizes() == std::vector<size_t>{4, 4, 2});
  CHECK(duplicates == 5);
}

TEST_CASE("a store failure reaches every waiter of the batch", "[webhook]") {
  FakeStore store;
  store.Fail(Status::Unavailable("database is locked"));
  EventIngestor ingestor(store);
  std::vector<std::optional<Result<InsertOutcome>>> results(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = ingestor.Commit(Event("e" + std::to_string(i)), Later()); });
  }
  REQUIRE(Eventually([&] { return ingestor.QueueDepth() == 3; }));
  ingestor.Start();
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    REQUIRE(r.has_value());
    CHECK(r->status().code() == StatusCode::kUnavailable);
  }
}

TEST_CASE("an event still queued at its deadline is withdrawn and never stored", "[webhook]") {
  FakeStore store;
  EventIngestor ingestor(store);
  ingestor.Start();
  store.CloseGate();
  std::optional<Result<InsertOutcome>> held;
  std::thread first([&] { held = ingestor.Commit(Event("held"), Later()); });
  REQUIRE(store.WaitEntered(1));  // the writer is inside InsertEvents: "late" can only queue

  auto late = ingestor.Commit(Event("late"), std::chrono::steady_clock::now());
  CHECK(late.status().code() == StatusCode::kDeadlineExceeded);
  CHECK(ingestor.QueueDepth() == 0);

  store.OpenGate();
  first.join();
  ingestor.Stop();
  REQUIRE(held.has_value());
  CHECK(held->ok());
  // Answered 503, so it must not reach the app unless the platform's retry brings it again.
  CHECK(store.seen() == std::vector<std::string>{"held"});
}

TEST_CASE("OnCommitted runs after a batch that inserted something, before its answer",
          "[webhook]") {
  FakeStore store;
  EventIngestor ingestor(store);
  std::atomic<int> woken = 0;
  ingestor.SetOnCommitted([&] { ++woken; });
  ingestor.Start();

  REQUIRE(ingestor.Commit(Event("a"), Later()).value() == InsertOutcome::kInserted);
  CHECK(woken == 1);
  // Nothing new for the relay: a redelivery, or a batch that failed.
  REQUIRE(ingestor.Commit(Event("a"), Later()).value() == InsertOutcome::kDuplicate);
  CHECK(woken == 1);
  store.Fail(Status::Unavailable("database is locked"));
  CHECK_FALSE(ingestor.Commit(Event("b"), Later()).ok());
  CHECK(woken == 1);
  store.Fail(Status::OK());
  REQUIRE(ingestor.Commit(Event("b"), Later()).value() == InsertOutcome::kInserted);
  CHECK(woken == 2);
}

TEST_CASE("Stop commits what is queued, then refuses new events", "[webhook]") {
  FakeStore store;
  EventIngestor ingestor(store);
  ingestor.Start();
  store.CloseGate();
  std::vector<std::optional<Result<InsertOutcome>>> results(5);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = ingestor.Commit(Event("e0"), Later()); });
  REQUIRE(store.WaitEntered(1));
  for (int i = 1; i < 5; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = ingestor.Commit(Event("e" + std::to_string(i)), Later()); });
  }
  REQUIRE(Eventually([&] { return ingestor.QueueDepth() == 4; }));

  std::thread stopper([&] { ingestor.Stop(); });
  // Once Stop has begun, a probe is refused at once (a probe that got in first is only queued).
  int probe = 0;
  REQUIRE(Eventually([&] {
    auto r =
        ingestor.Commit(Event("probe" + std::to_string(probe++)), std::chrono::steady_clock::now());
    return r.status().code() == StatusCode::kUnavailable;
  }));
  store.OpenGate();
  stopper.join();
  for (auto& t : threads) t.join();

  for (const auto& r : results) {
    REQUIRE(r.has_value());
    REQUIRE(r->ok());
    CHECK(**r == InsertOutcome::kInserted);
  }
  CHECK(ingestor.Commit(Event("after"), Later()).status().code() == StatusCode::kUnavailable);
}

// A real store whose event commits fail while `failing` is set (a damaged page under the
// events table: everything else still works, including the meta row the old probe wrote).
class FailingCommits final : public testing::ForwardingEventLog {
 public:
  using ForwardingEventLog::ForwardingEventLog;
  Result<std::vector<InsertOutcome>> InsertEvents(const std::vector<EventRecord>& batch) override {
    if (failing.load()) return Status::Unavailable("database disk image is malformed");
    return ForwardingEventLog::InsertEvents(batch);
  }
  std::atomic<bool> failing{false};
};

TEST_CASE("a failed commit is reported for readiness until a commit succeeds", "[webhook]") {
  ManualClock clock;
  auto opened = store::OpenSqliteStore(":memory:", clock);
  REQUIRE(opened.ok());
  FailingCommits store(**opened);
  EventIngestor ingestor(store);
  ingestor.Start();
  CHECK_FALSE(ingestor.CommitFailure().has_value());

  REQUIRE(ingestor.Commit(Event("a"), Later()).ok());
  CHECK_FALSE(ingestor.CommitFailure().has_value());

  store.failing = true;
  CHECK(ingestor.Commit(Event("b"), Later()).status().code() == StatusCode::kUnavailable);
  auto failure = ingestor.CommitFailure();
  REQUIRE(failure.has_value());
  CHECK(failure->find("database disk image is malformed") != std::string::npos);
  // The store's own write check still passes: only the ingest outcome shows the problem.
  CHECK((*opened)->CheckWritable().ok());
  // A second failure keeps it.
  CHECK_FALSE(ingestor.Commit(Event("c"), Later()).ok());
  CHECK(ingestor.CommitFailure().has_value());

  store.failing = false;
  REQUIRE(ingestor.Commit(Event("d"), Later()).ok());
  CHECK_FALSE(ingestor.CommitFailure().has_value());
}

TEST_CASE("with no notification after a failure, it is reported for the hold only", "[webhook]") {
  FakeStore store;
  store.Fail(Status::Unavailable("disk I/O error"));
  EventIngestor ingestor(store);
  ingestor.Start();
  CHECK_FALSE(ingestor.Commit(Event("a"), Later()).ok());
  const SteadyTime now = std::chrono::steady_clock::now();
  CHECK(ingestor.CommitFailure(now, std::chrono::seconds(60)).has_value());
  CHECK(
      ingestor.CommitFailure(now + std::chrono::seconds(59), std::chrono::seconds(60)).has_value());
  CHECK_FALSE(
      ingestor.CommitFailure(now + std::chrono::seconds(61), std::chrono::seconds(60)).has_value());
}

}  // namespace
}  // namespace subkeeper::webhook
