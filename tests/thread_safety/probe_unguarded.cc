// Must NOT compile under -Werror=thread-safety: reads a GUARDED_BY field without its mutex and
// calls a REQUIRES function unlocked. Proves the check in this directory can fail.
#include "subkeeper/common/mutex.h"

namespace {

class Counter {
 public:
  int Peek() const { return count_; }  // no lock held
  void Bump() { BumpLocked(); }        // no lock held

 private:
  void BumpLocked() REQUIRES(mu_) { ++count_; }
  mutable subkeeper::Mutex mu_;
  int count_ GUARDED_BY(mu_) = 0;
};

}  // namespace

int ProbeUnguarded() {
  Counter counter;
  counter.Bump();
  return counter.Peek();
}
