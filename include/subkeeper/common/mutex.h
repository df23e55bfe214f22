// Mutexes the compiler can check. Clang's thread-safety analysis (-Wthread-safety, see
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html) proves at compile time that every field
// marked GUARDED_BY(mu) is touched only with `mu` held and that every function marked
// REQUIRES(mu) is called with it held. The macros follow Abseil's thread_annotations.h and expand
// to nothing on compilers without the attributes (GCC), so annotated code builds everywhere and
// the clang build (tests/thread_safety) checks it.
//
// Usage:
//   class Queue {
//    public:
//     void Push(int v) EXCLUDES(mu_) {
//       MutexLock lock(mu_);
//       items_.push_back(v);
//       nonempty_.Signal();
//     }
//    private:
//     int PopLocked() REQUIRES(mu_);
//     Mutex mu_;
//     CondVar nonempty_;
//     std::deque<int> items_ GUARDED_BY(mu_);
//   };
//
// Condition waits take no predicate: the analysis cannot see that a lambda runs with the lock
// held, so callers loop on the condition themselves (`while (!ready_) cv_.Wait(mu_);`).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define SUBKEEPER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SUBKEEPER_THREAD_ANNOTATION(x)
#endif

// A type whose instances are locks (the name is what diagnostics call it).
#define CAPABILITY(name) SUBKEEPER_THREAD_ANNOTATION(capability(name))
// An RAII type that holds a capability from construction to destruction.
#define SCOPED_CAPABILITY SUBKEEPER_THREAD_ANNOTATION(scoped_lockable)
// The field may be read or written only with the given lock held (shared suffices for reads).
#define GUARDED_BY(x) SUBKEEPER_THREAD_ANNOTATION(guarded_by(x))
// The data the pointer field points to is guarded by the given lock (the pointer itself is not).
#define PT_GUARDED_BY(x) SUBKEEPER_THREAD_ANNOTATION(pt_guarded_by(x))
// Lock ordering: this lock is taken after / before the given ones.
#define ACQUIRED_AFTER(...) SUBKEEPER_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) SUBKEEPER_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
// The caller must hold the locks exclusively / at least shared.
#define REQUIRES(...) SUBKEEPER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SUBKEEPER_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// The function takes / releases the locks (exclusively, or shared).
#define ACQUIRE(...) SUBKEEPER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SUBKEEPER_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SUBKEEPER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SUBKEEPER_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
// The caller must not hold the locks (the function takes them itself).
#define EXCLUDES(...) SUBKEEPER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// A run-time check that the lock is held; afterwards the analysis assumes it is.
#define ASSERT_CAPABILITY(x) SUBKEEPER_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) SUBKEEPER_THREAD_ANNOTATION(assert_shared_capability(x))
// The function returns a reference to the given lock.
#define RETURN_CAPABILITY(x) SUBKEEPER_THREAD_ANNOTATION(lock_returned(x))
// Turns the analysis off for one function. Every use says in a comment why.
#define NO_THREAD_SAFETY_ANALYSIS SUBKEEPER_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace subkeeper {

class CondVar;

// A std::mutex the analysis knows about. Not recursive. lock()/unlock() make it BasicLockable for
// code that expects the standard names.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  // std::mutex cannot say who holds it, so this checks nothing at run time; it tells the
  // analysis what the caller guarantees (a callback the analysis cannot follow, say).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its lifetime.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Waits for a condition guarded by a Mutex. Each wait atomically releases the mutex, blocks, and
// holds it again before returning; wake-ups may be spurious, so callers re-check in a loop.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's MutexLock releases it
  }
  // Returns false when `deadline` (steady_clock) passed without a wake-up, true otherwise.
  bool WaitUntil(Mutex& mu, std::chrono::steady_clock::time_point deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const std::cv_status status = cv_.wait_until(lock, deadline);
    lock.release();
    return status == std::cv_status::no_timeout;
  }
  // Wakes one waiter / every waiter. Need not hold the mutex.
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// A reader/writer lock (std::shared_mutex): many readers or one writer.
class CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  void ReaderLock() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void ReaderUnlock() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a SharedMutex exclusively for its lifetime.
class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterMutexLock() RELEASE() { mu_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds a SharedMutex shared for its lifetime.
class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.ReaderLock(); }
  ~ReaderMutexLock() RELEASE() { mu_.ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace subkeeper
