// The worker pool on its own: every submitted request is answered once, for its connection, and
// a handler that throws becomes a 500 that closes the connection.
#include "server/worker_pool.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace subkeeper::server::internal {
namespace {

// Counts on_done calls; Wait returns once `n` have happened (bounded, so a bug fails the test
// instead of hanging it).
class DoneCounter {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  bool Wait(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

HttpRequest Request(const std::string& path) {
  HttpRequest request;
  request.method = "POST";
  request.path = path;
  return request;
}

TEST_CASE("WorkerPool answers every request for its own connection", "[server]") {
  const std::function<HttpResponse(const HttpRequest&)> complete = [](const HttpRequest& r) {
    HttpResponse response;
    response.body = r.path;
    return response;
  };
  DoneCounter done;
  WorkerPool pool(3, complete, [&done] { done.Add(); });
  for (uint64_t id = 1; id <= 20; ++id) pool.Submit(id, Request("/r" + std::to_string(id)));
  REQUIRE(done.Wait(20));
  std::vector<WorkerPool::Done> answers = pool.TakeDone();
  REQUIRE(answers.size() == 20);
  std::set<uint64_t> seen;
  for (const WorkerPool::Done& d : answers) {
    CHECK(d.response.body == "/r" + std::to_string(d.connection));
    seen.insert(d.connection);
  }
  CHECK(seen.size() == 20);
  CHECK(pool.TakeDone().empty());  // taken once
}

TEST_CASE("WorkerPool turns a throwing handler into a 500 that closes", "[server]") {
  const std::function<HttpResponse(const HttpRequest&)> complete =
      [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret request data"); };
  DoneCounter done;
  WorkerPool pool(0, complete, [&done] { done.Add(); });  // 0 threads still means one worker
  pool.Submit(7, Request("/x"));
  REQUIRE(done.Wait(1));
  std::vector<WorkerPool::Done> answers = pool.TakeDone();
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].connection == 7);
  CHECK(answers[0].response.status == 500);
  CHECK(answers[0].response.close);
  CHECK(answers[0].response.body.find("secret") == std::string::npos);
}

TEST_CASE("WorkerPool::Shutdown is idempotent and drops queued requests", "[server]") {
  const std::function<HttpResponse(const HttpRequest&)> complete = [](const HttpRequest&) {
    return HttpResponse{};
  };
  WorkerPool pool(1, complete, [] {});
  pool.Shutdown();
  pool.Submit(1, Request("/late"));  // no worker is left to take it
  pool.Shutdown();
  CHECK(pool.TakeDone().empty());
}

}  // namespace
}  // namespace subkeeper::server::internal
