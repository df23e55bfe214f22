#include "subkeeper/app/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "keeper.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::app {
namespace {

Status WritePortFile(const std::string& path, int webhooks, int admin,
                     const std::string& public_url) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"webhooks", webhooks}, {"admin", admin}, {"public_url", public_url}}
               .dump()
        << "\n";
    if (!out) return Status::Unavailable("cannot write port file " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Unavailable("cannot rename " + tmp);
  return Status::OK();
}

// The file's content, or "" when unreadable. Content, not mtime: editors that rewrite a file
// with the same bytes, or touch it, do not trigger a reload.
std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return in ? out.str() : std::string();
}

class Cadence {
 public:
  explicit Cadence(const Keeper& keeper) : keeper_(keeper) {}
  // The next periodic pass: the configured interval ±10 %, or 30 s after an incomplete pass.
  void Schedule(bool complete) {
    const double base = complete ? static_cast<double>(keeper_.reconcile_interval_s()) : 30.0;
    const double jitter = std::uniform_real_distribution<double>(0.9, 1.1)(engine_);
    next_ = std::chrono::steady_clock::now() +
            std::chrono::milliseconds(static_cast<int64_t>(base * jitter * 1000));
  }
  bool Due() const { return std::chrono::steady_clock::now() >= next_; }

 private:
  const Keeper& keeper_;
  std::mt19937_64 engine_{std::random_device{}()};
  std::chrono::steady_clock::time_point next_;
};

}  // namespace

Status RunDaemon(const config::Config& config, const DaemonOptions& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SystemClock clock;
  Keeper keeper(config, clock);
  SK_RETURN_IF_ERROR(keeper.Start());
  if (!options.port_file.empty()) {
    SK_RETURN_IF_ERROR(WritePortFile(options.port_file, keeper.webhook_port(), keeper.admin_port(),
                                     keeper.public_url()));
  }
  std::string config_text = ReadAll(options.config_path);
  Cadence cadence(keeper);
  cadence.Schedule(keeper.startup_complete());
  const timespec tick{1, 0};
  while (true) {
    const int received = sigtimedwait(&signals, nullptr, &tick);
    if (received == SIGINT || received == SIGTERM) {
      spdlog::info("signal {}: stopping", received);
      break;
    }
    std::string text = ReadAll(options.config_path);
    const bool changed = !text.empty() && text != config_text;
    if (received == SIGHUP || changed) {
      spdlog::info("{}: reloading {}", received == SIGHUP ? "SIGHUP" : "config file changed",
                   options.config_path);
      config_text = std::move(text);
      cadence.Schedule(keeper.Reload(config::LoadConfigFile(options.config_path)));
    } else if (cadence.Due()) {
      cadence.Schedule(keeper.Reconcile("periodic"));
    }
  }
  keeper.Stop();
  return Status::OK();
}

}  // namespace subkeeper::app
