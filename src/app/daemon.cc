#include "subkeeper/app/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "keeper.h"
#include "subkeeper/app/run_state.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/config/limits.h"
#include "subkeeper/config/loader.h"
#include "system_env.h"

namespace subkeeper::app {
namespace {

// Removes a file when it goes out of scope ("" = nothing).
class RemovedAtExit {
 public:
  explicit RemovedAtExit(std::string path) : path_(std::move(path)) {}
  RemovedAtExit(const RemovedAtExit&) = delete;
  RemovedAtExit& operator=(const RemovedAtExit&) = delete;
  ~RemovedAtExit() {
    if (!path_.empty()) std::remove(path_.c_str());
  }

 private:
  std::string path_;
};

RunState RunStateOf(const Keeper& keeper) {
  // The address was validated when the config was loaded.
  const auto admin = config::ParseListenAddress(keeper.Current()->listen.admin).value();
  return RunState{.pid = static_cast<long>(::getpid()),
                  .webhooks_port = keeper.webhook_port(),
                  .admin_port = keeper.admin_port(),
                  .admin_url = config::LocalHttpUrl(admin.host, keeper.admin_port()),
                  .public_url = keeper.public_url()};
}

// The file's content, read as the loader reads it (config::ReadBoundedFile: a regular file within
// `max_bytes`, never blocking on a FIFO). "" when it does not exist or cannot be opened (an
// editor between delete and rename); a file that is refused (not a regular file, too large) is
// "\x01" and the reason, which differs from any content, so that the change is acted on: the
// reload is then refused by the loader with the same reason, logged and shown by /readyz.
// Content, not mtime: editors that rewrite a file with the same bytes, or touch it, do not
// trigger a reload.
std::string ReadAll(const std::string& path, size_t max_bytes) {
  Result<std::string> text = config::ReadBoundedFile(path, max_bytes);
  if (text.ok()) return std::move(text).value();
  if (text.status().code() == StatusCode::kNotFound) return std::string();
  return "\x01" + text.status().message();
}

// What a reload compares: the config file's content and, when it names one, a hash of the
// accounts file's (which may be megabytes; the hash is not kept whole). "" when the config
// file is unreadable.
std::string Snapshot(const std::string& config_path, const std::string& accounts_file) {
  std::string text = ReadAll(config_path, config::kMaxConfigFileBytes);
  if (text.empty() || accounts_file.empty()) return text;
  return text + '\0' +
         std::to_string(
             std::hash<std::string>{}(ReadAll(accounts_file, config::kMaxAccountsFileBytes)));
}

// Wakes the daemon loop when the config file (or a Kubernetes ConfigMap's "..data" symlink) in
// its directory is written, created, renamed over or deleted. The directory, not the file:
// editors save by renaming a new file over the old one, and Kubernetes swaps "..data"; both
// replace the watched inode. No IN_MODIFY: an edit ends with a close (IN_CLOSE_WRITE), and
// files held open next to the config (the database, a log) would otherwise wake the loop on
// every write. Events about other files are ignored. The accounts file (config accounts_file)
// is watched the same way.
class ConfigWatch {
 public:
  explicit ConfigWatch(const std::string& path) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ >= 0 && !Add(path)) {
      close(fd_);
      fd_ = -1;
    }
  }
  // Also wakes for `path`; false when its directory cannot be watched.
  bool Add(const std::string& path) {
    if (fd_ < 0 || path.empty()) return false;
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    const int wd =
        inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
    if (wd < 0) return false;
    names_.emplace(wd, std::filesystem::path(path).filename().string());
    return true;
  }
  ~ConfigWatch() {
    if (fd_ >= 0) close(fd_);
  }
  ConfigWatch(const ConfigWatch&) = delete;
  ConfigWatch& operator=(const ConfigWatch&) = delete;

  int fd() const { return fd_; }
  // Consumes pending events; true when one was about a watched file or "..data".
  bool Drain() {
    alignas(inotify_event) char buffer[4096];
    bool relevant = false;
    ssize_t n;
    while (fd_ >= 0 && (n = read(fd_, buffer, sizeof(buffer))) > 0) {
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        const std::string_view name =
            event->len > 0 ? std::string_view(event->name) : std::string_view();
        if (names_.count({event->wd, std::string(name)}) != 0 || name == "..data" ||
            (event->mask & IN_Q_OVERFLOW) != 0)
          relevant = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return relevant;
  }

 private:
  std::set<std::pair<int, std::string>> names_;  // (watch descriptor, file name)
  int fd_ = -1;
};

// Milliseconds from now until `next`, for poll(): 0 when due, at most a minute (a wall-clock
// jump is noticed within that), and 5 s when the config cannot be watched (then its content is
// compared on every wake-up instead).
int WaitMillis(WallTime next, WallTime now, bool watched) {
  const auto cap = watched ? std::chrono::milliseconds(60000) : std::chrono::milliseconds(5000);
  if (next <= now) return 0;
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
  return static_cast<int>(std::min(wait, cap).count()) + 1;
}

// Reads the handled signals on a thread of its own, so that a SIGTERM is noticed at once even
// while the main loop waits on the platform, and wakes the main loop through a pipe. Once a stop
// was asked for, the process exits at the deadline whatever is still running: an orchestrator
// kills it soon after anyway, and by then every commit that was answered is durable.
class SignalWatch {
 public:
  SignalWatch(int signal_fd, std::chrono::milliseconds grace)
      : signal_fd_(signal_fd), grace_(grace) {
    if (pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
    if (pipe2(quit_, O_NONBLOCK | O_CLOEXEC) != 0) quit_[0] = quit_[1] = -1;
    thread_ = std::thread([this] { Run(); });
  }
  ~SignalWatch() {
    Stopped();
    if (quit_[1] >= 0 && write(quit_[1], "q", 1) < 0) {
      // Nothing to do: the thread then ends with the process.
    }
    thread_.join();
    for (int fd : {wake_[0], wake_[1], quit_[0], quit_[1]}) {
      if (fd >= 0) close(fd);
    }
  }
  int wake_fd() const { return wake_[0]; }
  // What arrived since the last call: {stop, reload}.
  std::pair<bool, bool> Take() {
    char buf[64];
    while (read(wake_[0], buf, sizeof buf) > 0) {
    }
    MutexLock lock(mu_);
    const bool reload = reload_;
    reload_ = false;
    return {stop_, reload};
  }
  // The keeper has stopped: the deadline no longer applies.
  void Stopped() {
    MutexLock lock(mu_);
    stopped_ = true;
    cv_.SignalAll();
  }

 private:
  void Run() {
    for (;;) {
      pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {quit_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
      if ((fds[1].revents & POLLIN) != 0) return;
      signalfd_siginfo info;
      bool stop = false;
      while (read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
        MutexLock lock(mu_);
        if (info.ssi_signo == SIGINT || info.ssi_signo == SIGTERM) {
          logging::KeeperLog().info("signal {}: stopping (at most {} ms)", info.ssi_signo,
                                    grace_.count());
          stop = !stop_;
          stop_ = true;
        } else if (info.ssi_signo == SIGHUP) {
          reload_ = true;
        }
      }
      if (wake_[1] >= 0 && write(wake_[1], "w", 1) < 0) {
        // A full pipe already wakes the loop.
      }
      if (stop) break;
    }
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + grace_;
    while (!stopped_) {
      if (!cv_.WaitUntil(mu_, deadline)) break;
    }
    if (stopped_) return;
    logging::KeeperLog().error(
        "shutdown did not finish within {} ms: exiting with work in flight (answered events are "
        "stored; held leases expire after renewal.lease)",
        grace_.count());
    spdlog::shutdown();
    std::_Exit(1);
  }

  const int signal_fd_;
  const std::chrono::milliseconds grace_;
  int wake_[2] = {-1, -1};
  int quit_[2] = {-1, -1};
  std::thread thread_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  bool reload_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
};

}  // namespace

Status RunDaemon(config::Config config, const DaemonOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The production environment, built here and nowhere else in the daemon.
  SystemEnv system;
  SK_RETURN_IF_ERROR(system.status());
  const Clock& clock = *system.env().clock;
  std::string accounts_file = config.accounts_file;
  // Moved, not copied: at 100k subscriptions a config is tens of MB.
  Keeper keeper(system.env(), std::move(config));
  SK_RETURN_IF_ERROR(keeper.Start());
  const std::string state_file =
      options.state_file.empty() ? keeper.Current()->listen.state_file : options.state_file;
  if (!state_file.empty()) {
    if (Status written = WriteRunState(state_file, RunStateOf(keeper)); !written.ok()) {
      keeper.Stop();
      return written;
    }
  }
  // Removed once the listeners are down, however the loop ends: a stale file would send
  // one-shot commands to a port another process may have taken.
  const RemovedAtExit state_file_removal(state_file);
  const int signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) {
    keeper.Stop();
    return Status::Internal(std::string("signalfd: ") + std::strerror(errno));
  }
  // Within the 10 s an orchestrator usually grants, with room for the process's own teardown.
  std::optional<SignalWatch> signals_watch;
  signals_watch.emplace(signal_fd, std::chrono::milliseconds(9000));
  ConfigWatch watch(options.config_path);
  if (watch.fd() < 0) {
    logging::KeeperLog().warn(
        "cannot watch {} for changes (inotify: {}); comparing it every 5 s instead",
        options.config_path, std::strerror(errno));
  }
  if (watch.fd() >= 0 && !accounts_file.empty() && !watch.Add(accounts_file)) {
    logging::KeeperLog().warn(
        "cannot watch {} for changes; edit the config file or send SIGHUP to reload it",
        accounts_file);
  }
  std::string config_text = Snapshot(options.config_path, accounts_file);
  // Sleeps until the next due reconcile, a signal or a change in the config's directory: no
  // polling while idle. Reconciles run a few accounts at a time so signals are never kept
  // waiting behind thousands of accounts.
  constexpr size_t kAccountsPerWake = 8;
  constexpr std::chrono::milliseconds kSettle{300};
  WallTime settle_until{};  // unset (epoch): no change waiting to settle
  for (;;) {
    WallTime next = keeper.RunDue(kAccountsPerWake);
    if (settle_until != WallTime{}) next = std::min(next, settle_until);
    pollfd fds[2] = {{signals_watch->wake_fd(), POLLIN, 0}, {watch.fd(), POLLIN, 0}};
    const int ready =
        poll(fds, watch.fd() >= 0 ? 2 : 1, WaitMillis(next, clock.Now(), watch.fd() >= 0));
    if (ready < 0 && errno != EINTR) {
      logging::KeeperLog().error("poll: {}", std::strerror(errno));
      break;
    }
    auto [stop_now, reload] = signals_watch->Take();
    if (stop_now) break;
    if (reload) logging::KeeperLog().info("SIGHUP: reloading {}", options.config_path);
    // A change in the directory is acted on once it has settled for a moment: an editor's
    // save is several events, and a SIGHUP sent right after an edit belongs to the same reload.
    if (ready > 0 && watch.fd() >= 0 && (fds[1].revents & POLLIN) != 0) {
      const bool about_config = watch.Drain();
      if (!reload) {
        if (about_config) settle_until = clock.Now() + kSettle;
        continue;
      }
    }
    if (!reload && settle_until != WallTime{} && clock.Now() < settle_until) continue;
    settle_until = WallTime{};
    std::string text = Snapshot(options.config_path, accounts_file);
    if (!text.empty() && text != config_text) {
      if (!reload)
        logging::KeeperLog().info("config file changed: reloading {}", options.config_path);
      reload = true;
    }
    if (reload) {
      if (!text.empty()) config_text = std::move(text);
      Result<config::Config> loaded = config::LoadConfigFile(options.config_path);
      if (loaded.ok() && loaded->accounts_file != accounts_file) {
        accounts_file = loaded->accounts_file;
        if (watch.fd() >= 0) watch.Add(accounts_file);
        config_text = Snapshot(options.config_path, accounts_file);
      }
      const auto before = keeper.Current();
      keeper.Reload(std::move(loaded));
      if (const auto now = keeper.Current(); now != before) {
        const std::string& format =
            options.log_format.empty() ? now->log_format : options.log_format;
        logging::Configure({now->log_level, format, now->log_modules});
      }
    }
  }
  keeper.Stop();
  signals_watch.reset();  // the deadline no longer applies
  close(signal_fd);
  logging::KeeperLog().info("stopped");
  return Status::OK();
}

}  // namespace subkeeper::app
