// A scripted EventSink for receiver and server tests: records every Commit and answers with the
// configured outcome. Thread-safe.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

#include "subkeeper/webhook/receiver.h"

namespace subkeeper::webhook::testing {

class FakeSink final : public EventSink {
 public:
  struct Call {
    store::EventRecord event;
    SteadyTime deadline;
  };

  Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) override {
    std::lock_guard lock(mu_);
    calls_.push_back({std::move(event), deadline});
    return answer_;
  }

  void Answer(Result<store::InsertOutcome> answer) {
    std::lock_guard lock(mu_);
    answer_ = std::move(answer);
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Call> calls_;                                                // guarded by mu_
  Result<store::InsertOutcome> answer_ = store::InsertOutcome::kInserted;  // guarded by mu_
};

}  // namespace subkeeper::webhook::testing
