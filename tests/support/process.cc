#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace subkeeper::testing {

bool WaitFor(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(poll);
  }
  return predicate();
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string TailOfFile(const std::string& path, int max_lines) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

namespace {

// Runs in the child between fork and exec: only async-signal-safe calls from here on.
[[noreturn]] void ExecChild(int log_fd, int err_fd, int null_fd, char* const* argv) {
  // The child must not outlive a test process that crashes before its destructors run.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  execv(argv[0], argv);
  const char msg[] = "process.cc: execv failed\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
  (void)ignored;
  _exit(127);
}

}  // namespace

std::optional<Process> Process::Start(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      const std::string& log_path, std::string* error) {
  return Start(binary, args, log_path, log_path, error);
}

std::optional<Process> Process::Start(const std::string& binary,
                                      const std::vector<std::string>& args,
                                      const std::string& log_path, const std::string& err_path,
                                      std::string* error) {
  // Everything the child needs is prepared before fork: no allocation after it.
  std::vector<std::string> storage{binary};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int err_fd = err_path == log_path
                         ? fcntl(log_fd, F_DUPFD_CLOEXEC, 0)
                         : open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || err_fd < 0 || null_fd < 0) {
    if (error != nullptr) *error = "open: " + std::string(std::strerror(errno));
    for (int fd : {log_fd, err_fd, null_fd}) {
      if (fd >= 0) close(fd);
    }
    return std::nullopt;
  }
  const pid_t pid = fork();
  if (pid == 0) ExecChild(log_fd, err_fd, null_fd, argv.data());
  const int fork_errno = errno;
  close(log_fd);
  close(err_fd);
  close(null_fd);
  if (pid < 0) {
    if (error != nullptr) *error = "fork: " + std::string(std::strerror(fork_errno));
    return std::nullopt;
  }
  return Process(pid, log_path);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      log_path_(std::move(other.log_path_)),
      wait_status_(other.wait_status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = std::exchange(other.pid_, -1);
    log_path_ = std::move(other.log_path_);
    wait_status_ = other.wait_status_;
  }
  return *this;
}

Process::~Process() { Kill(); }

void Process::Reap(bool block) {
  if (pid_ < 0) return;
  int status = 0;
  pid_t r = 0;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    if (r == pid_) wait_status_ = status;
    pid_ = -1;
  }
}

bool Process::Running() {
  Reap(false);
  return pid_ >= 0;
}

void Process::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  Reap(true);
}

bool Process::WaitExit(std::chrono::milliseconds timeout) {
  return WaitFor([this] { return !Running(); }, timeout, std::chrono::milliseconds(10));
}

bool Process::Terminate(std::chrono::milliseconds grace) {
  if (!Running()) return true;
  kill(pid_, SIGTERM);
  if (WaitFor([this] { return !Running(); }, grace, std::chrono::milliseconds(10))) return true;
  Kill();
  return false;
}

}  // namespace subkeeper::testing
