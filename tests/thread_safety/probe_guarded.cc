// Must compile cleanly under -Werror=thread-safety: the same class as probe_unguarded.cc with its
// locks taken, and a condition wait. Shows a failure of the other probe is the analysis speaking.
#include <chrono>

#include "subkeeper/common/mutex.h"

namespace {

class Counter {
 public:
  int Peek() const {
    subkeeper::MutexLock lock(mu_);
    return count_;
  }
  void Bump() {
    subkeeper::MutexLock lock(mu_);
    BumpLocked();
    changed_.SignalAll();
  }
  bool WaitForNonZero(std::chrono::steady_clock::time_point deadline) {
    subkeeper::MutexLock lock(mu_);
    while (count_ == 0) {
      if (!changed_.WaitUntil(mu_, deadline)) break;
    }
    return count_ != 0;
  }

 private:
  void BumpLocked() REQUIRES(mu_) { ++count_; }
  mutable subkeeper::Mutex mu_;
  subkeeper::CondVar changed_;
  int count_ GUARDED_BY(mu_) = 0;
};

}  // namespace

int ProbeGuarded() {
  Counter counter;
  counter.Bump();
  return counter.WaitForNonZero(std::chrono::steady_clock::now()) ? counter.Peek() : 0;
}
