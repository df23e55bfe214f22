// rc-emulator: parses flags, wires Platform + Server + HttplibTransport, waits for a signal.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <vector>

#include "rcemu/cli.h"
#include "rcemu/httplib_transport.h"
#include "rcemu/platform.h"
#include "rcemu/server.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/crypto.h"

namespace {

spdlog::level::level_enum LogLevel(const std::string& name) {
  if (name == "debug") return spdlog::level::debug;
  if (name == "warning" || name == "warn") return spdlog::level::warn;
  return spdlog::level::info;
}

int Run(rcemu::CliConfig cfg, const sigset_t& signals) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("rc-emulator"));
  spdlog::set_level(LogLevel(cfg.log_level));
  // Random per run: tokens and ids cannot be predicted from a previous run.
  cfg.options.seed = subkeeper::RandomHex(16);
  subkeeper::SystemClock clock;
  rcemu::HttplibTransport transport(cfg.ca_file);
  rcemu::Platform platform(cfg.options, transport, clock);
  rcemu::Server server(platform, clock);
  if (auto status = server.Start(cfg.host, cfg.port); !status.ok()) {
    spdlog::error("{}", status.ToString());
    return 1;
  }
  if (!cfg.port_file.empty()) {
    if (auto status = rcemu::WritePortFile(cfg.port_file, server.port()); !status.ok()) {
      spdlog::error("{}", status.ToString());
      return 1;
    }
  }
  spdlog::info("listening on {}:{} (client id {}, reminder job every {} s)", cfg.host,
               server.port(), cfg.options.client_id, cfg.options.reminder_job_interval.count());
  if (cfg.options.demo_events_interval.count() > 0) {
    spdlog::info("demo events every {} s to each active subscription",
                 cfg.options.demo_events_interval.count());
  }
  spdlog::info("app sink at /_emulator/app/<name>, signatures {}",
               cfg.options.app_secret.empty() ? "not checked (no --app-secret)" : "checked");
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {} received, stopping", signal_number);
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = rcemu::ParseCli(std::vector<std::string>(argv + 1, argv + argc));
  if (!cfg.ok()) {
    std::fprintf(stderr, "rc-emulator: %s\n%s", cfg.status().message().c_str(),
                 rcemu::CliUsage().c_str());
    return 2;
  }
  if (cfg->help) {
    std::fputs(rcemu::CliUsage().c_str(), stdout);
    return 0;
  }
  if (cfg->version) {
    std::printf("rc-emulator %s\n", SUBKEEPER_VERSION);
    return 0;
  }
  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return Run(std::move(cfg).value(), signals);
}
