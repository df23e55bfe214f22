// rcemu::Server — the HTTP adapter of the emulator: a cpp-httplib server that feeds every
// request to Platform::Handle, plus a job thread that runs Platform::Tick every
// reminder-job-interval (re-read from the Platform's settings each round) and performs the due
// deliveries outside the Platform's lock.
//
// Hardened like the keeper (measurement notes §0): a pool of 32 workers, keep-alive 1 s, read
// timeout 2 s, so idle or stalled clients cannot starve the emulator.
//
// Faults from the Platform: `Response::delay` is slept in the worker before answering;
// `Response::drop` is approximated by sending the status line and headers with
// "Content-Length: 1" and then closing the connection without the body (a content provider
// that fails). cpp-httplib cannot close a connection without writing an answer, so the client
// sees a truncated response, which every HTTP client reports as a transport error
// (curl: CURLE_PARTIAL_FILE).
//
// Thread-safety: Start/Stop from one owning thread. Ownership: the Platform and Clock are
// borrowed and must outlive the Server.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "rcemu/platform.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/common/status.h"

namespace httplib {
class Server;
}

namespace rcemu {

class Server {
 public:
  // With `run_job_thread` false no job thread is started; the owner drives RunJobOnce() itself
  // (deterministic tests).
  Server(Platform& platform, const subkeeper::Clock& clock, bool run_job_thread = true);
  ~Server();  // calls Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0 = any free port) and starts serving and the job thread. Returns
  // once the socket is bound. kUnavailable when the address cannot be bound;
  // kFailedPrecondition when already started.
  subkeeper::Status Start(const std::string& host, int port);

  // The bound port (valid after a successful Start).
  int port() const { return port_; }

  // Stops accepting, joins the listener and the job thread. Idempotent.
  void Stop();

  // One job round: Tick, then the due deliveries (in parallel, at most 8 at once). Called by
  // the job thread; public so a caller can force a round.
  void RunJobOnce();

  static constexpr int kWorkerThreads = 32;
  static constexpr int kDeliveryParallelism = 8;

 private:
  void JobLoop();

  Platform& platform_;
  const subkeeper::Clock& clock_;
  const bool run_job_thread_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  std::thread job_;
  int port_ = 0;
  subkeeper::Mutex mu_;
  subkeeper::CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace rcemu
