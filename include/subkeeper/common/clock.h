// Time is injected. Wall time (system_clock) is used for everything the platform speaks in
// (expirationTime) and for persisted due times; steady time for measuring intervals and waits.
// Read "now" once per unit of work and pass it down.
#pragma once

#include <chrono>
#include <cstdint>

#include "subkeeper/common/mutex.h"

namespace subkeeper {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

// Thread-safe: implementations may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual SteadyTime SteadyNow() const = 0;
};

// The production clock.
class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to. Both readings advance together. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime(std::chrono::seconds(1'700'000'000)))
      : wall_(start) {}
  WallTime Now() const override {
    MutexLock lock(mu_);
    return wall_;
  }
  SteadyTime SteadyNow() const override {
    MutexLock lock(mu_);
    return SteadyTime(std::chrono::duration_cast<SteadyTime::duration>(wall_.time_since_epoch()));
  }
  void Advance(std::chrono::milliseconds d) {
    MutexLock lock(mu_);
    wall_ += d;
  }
  void Set(WallTime t) {
    MutexLock lock(mu_);
    wall_ = t;
  }

 private:
  mutable Mutex mu_;
  WallTime wall_ GUARDED_BY(mu_);
};

// Milliseconds since the Unix epoch, the unit persisted in the store. 0 means "unset".
inline int64_t ToUnixMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline WallTime FromUnixMillis(int64_t ms) { return WallTime(std::chrono::milliseconds(ms)); }

}  // namespace subkeeper
