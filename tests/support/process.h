// Child processes and polling for the integration scenarios (tests/scenarios/).
//
// A Process is one fork/exec'd program whose stdout and stderr go to a log file. It is never
// leaked: the destructor kills (SIGKILL) and reaps it if it still runs. Not thread-safe: one
// test thread owns each Process.
//
// WaitFor is the only way scenarios wait for something to happen: it polls a predicate until it
// holds or a deadline passes. It never stands in for a timer of the code under test: the
// predicate observes the effect (a port file written, a renewal recorded), not the time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace subkeeper::testing {

// Calls `predicate` every `poll` until it returns true (→ true) or `timeout` has passed since the
// call (→ false; the predicate is evaluated one last time at the deadline).
bool WaitFor(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = std::chrono::milliseconds(50));

// The whole content of `path`, or nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

// The last `max_lines` lines of the file at `path` ("" when unreadable).
std::string TailOfFile(const std::string& path, int max_lines);

class Process {
 public:
  // Starts `binary` with `args` (argv[1..]); stdout and stderr are appended to `log_path`.
  // Returns nullopt (with errno-based detail in `error` when given) when fork/exec setup fails;
  // an exec failure is visible as the child exiting with status 127 and a line in the log.
  static std::optional<Process> Start(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      const std::string& log_path, std::string* error = nullptr);

  // Same, with stderr to its own file `err_path`.
  static std::optional<Process> Start(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      const std::string& log_path, const std::string& err_path,
                                      std::string* error);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // SIGKILL + reap when still running

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

  // True while the child has not exited (reaps it without blocking when it has).
  bool Running();
  // The exit status as waitpid reported it (nullopt while running or after Kill of a live child
  // that was not reaped yet).
  std::optional<int> wait_status() const { return wait_status_; }

  // Waits up to `timeout` for the child to exit on its own; true when it has.
  bool WaitExit(std::chrono::milliseconds timeout);
  // SIGKILL and reap. No-op when already exited.
  void Kill();
  // SIGTERM, then waits up to `grace` for the exit; SIGKILL after that. Returns true when the
  // child exited on its own within `grace`.
  bool Terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  Process(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  void Reap(bool block);

  pid_t pid_ = -1;  // -1 once reaped or moved from
  std::string log_path_;
  std::optional<int> wait_status_;
};

}  // namespace subkeeper::testing
