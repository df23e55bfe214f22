// Internal to EventServer: the epoll loop over the listener and its connections; complete
// requests go to a worker pool (worker_pool.h), bytes through each Connection (connection.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "event_server.h"
#include "http_message.h"
#include "http_parser.h"
#include "worker_pool.h"

namespace subkeeper::server::internal {

class EventLoop {
 public:
  // Takes ownership of nothing: `listen_fd` (listening, non-blocking) stays the server's.
  // `handlers` and `options` must outlive the loop. Starts the workers (when ok()).
  EventLoop(int listen_fd, const EventHandlers& handlers, const EventServerOptions& options);
  ~EventLoop();  // joins the workers; call after Run() returned
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return epoll_fd_ >= 0 && wake_fd_ >= 0; }
  // The loop; returns after RequestStop() once the requests with a worker are answered or the
  // grace period is over. On its own thread.
  void Run();
  // From any thread.
  void RequestStop();

 private:
  using Clock = Connection::Clock;

  void Accept();
  void AcceptOverflow();
  void OnEvent(uint64_t id, uint32_t events);
  void OnReadable(Connection& c);
  void Await(Connection& c, Io io);  // epoll interest for what `io` waits for; kClosed closes
  void Process(Connection& c);
  void OnHeadDone(Connection& c);
  void Dispatch(Connection& c);
  void Respond(Connection& c, const HttpResponse& response, bool keep_alive, bool head_only);
  void Flush(Connection& c);
  void Finish(Connection& c);
  void Linger(Connection& c);
  void Drain(Connection& c);
  void Resume(Connection& c);
  void Close(Connection& c);
  void Reap();
  void SetInterest(Connection& c, uint32_t events);
  void SetDeadline(Connection& c, Clock::duration from_now);
  void Sweep();
  int WaitMillis() const;
  void TakeCompletions();
  void BeginStop();
  bool Quiescent() const;
  void Wake();

  const int listen_fd_;
  const EventHandlers& handlers_;
  const EventServerOptions& options_;
  const RequestParser::Limits limits_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;   // eventfd: workers' answers and RequestStop
  int spare_fd_ = -1;  // released to accept-and-close when out of fds

  // Loop thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<uint64_t> closed_;  // marked kClosed, erased by Reap()
  uint64_t next_id_ = 2;          // 0 = the listener, 1 = wake_fd_
  Clock::time_point now_;
  Clock::time_point next_deadline_ = Clock::time_point::max();
  Clock::time_point last_sweep_;
  bool stopping_ = false;
  Clock::time_point stop_deadline_;

  std::atomic<bool> stop_requested_{false};
  std::unique_ptr<WorkerPool> pool_;  // null when !ok()
};

}  // namespace subkeeper::server::internal
