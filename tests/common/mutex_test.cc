#include "subkeeper/common/mutex.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace subkeeper {
namespace {

using std::chrono::steady_clock;

// A far deadline: a test that reaches it has hung, and Catch reports the failed check.
steady_clock::time_point Far() { return steady_clock::now() + std::chrono::seconds(30); }

TEST_CASE("MutexLock makes increments from many threads exclusive", "[common]") {
  struct {
    Mutex mu;
    int count GUARDED_BY(mu) = 0;
  } s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s] {
      for (int i = 0; i < 10000; ++i) {
        MutexLock lock(s.mu);
        ++s.count;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  MutexLock lock(s.mu);
  CHECK(s.count == 40000);
}

TEST_CASE("CondVar hands a value from one thread to another", "[common]") {
  struct {
    Mutex mu;
    CondVar cv;
    int value GUARDED_BY(mu) = 0;
    bool taken GUARDED_BY(mu) = false;
  } s;
  std::thread producer([&s] {
    MutexLock lock(s.mu);
    s.value = 42;
    s.cv.SignalAll();
    while (!s.taken) s.cv.Wait(s.mu);
  });
  {
    MutexLock lock(s.mu);
    while (s.value == 0) REQUIRE(s.cv.WaitUntil(s.mu, Far()));
    CHECK(s.value == 42);
    s.taken = true;
    s.cv.SignalAll();
  }
  producer.join();
}

TEST_CASE("CondVar::WaitUntil returns false once the deadline has passed", "[common]") {
  Mutex mu;
  CondVar cv;
  MutexLock lock(mu);
  CHECK_FALSE(cv.WaitUntil(mu, steady_clock::now() - std::chrono::seconds(1)));
  CHECK_FALSE(cv.WaitUntil(mu, steady_clock::now()));
}

TEST_CASE("CondVar::SignalAll wakes every waiter", "[common]") {
  struct {
    Mutex mu;
    CondVar cv;
    bool go GUARDED_BY(mu) = false;
    int waiting GUARDED_BY(mu) = 0;
    int woken GUARDED_BY(mu) = 0;
  } s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&s] {
      MutexLock lock(s.mu);
      ++s.waiting;
      s.cv.SignalAll();
      while (!s.go) {
        if (!s.cv.WaitUntil(s.mu, Far())) return;
      }
      ++s.woken;
    });
  }
  {
    MutexLock lock(s.mu);
    while (s.waiting < 3) REQUIRE(s.cv.WaitUntil(s.mu, Far()));
    s.go = true;
    s.cv.SignalAll();
  }
  for (auto& thread : threads) thread.join();
  MutexLock lock(s.mu);
  CHECK(s.woken == 3);
}

TEST_CASE("SharedMutex admits readers together and a writer alone", "[common]") {
  struct {
    SharedMutex rw;
    int data GUARDED_BY(rw) = 7;
    Mutex mu;
    CondVar cv;
    int readers_in GUARDED_BY(mu) = 0;
    bool release GUARDED_BY(mu) = false;
  } s;

  // Each reader waits, holding its shared lock, until both are in: both get in only if shared
  // holds do not exclude each other.
  std::vector<std::thread> readers;
  std::vector<int> seen(2, 0);
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&s, &seen, r] {
      ReaderMutexLock read(s.rw);
      seen[r] = s.data;
      MutexLock lock(s.mu);
      ++s.readers_in;
      s.cv.SignalAll();
      while (!s.release) {
        if (!s.cv.WaitUntil(s.mu, Far())) return;
      }
    });
  }
  {
    MutexLock lock(s.mu);
    while (s.readers_in < 2) REQUIRE(s.cv.WaitUntil(s.mu, Far()));
    s.release = true;
    s.cv.SignalAll();
  }
  for (auto& reader : readers) reader.join();
  CHECK(seen == std::vector<int>{7, 7});

  std::thread writer([&s] {
    WriterMutexLock write(s.rw);
    s.data = 8;
  });
  writer.join();
  ReaderMutexLock read(s.rw);
  CHECK(s.data == 8);
}

}  // namespace
}  // namespace subkeeper
