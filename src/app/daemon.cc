#include "subkeeper/app/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "keeper.h"

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
  while (true) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      spdlog::info("SIGHUP: configuration reload is not supported yet; restart to apply changes");
      continue;
    }
    spdlog::info("signal {}: stopping", received);
    break;
  }
  keeper.Stop();
  return Status::OK();
}

}  // namespace subkeeper::app
