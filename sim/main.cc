// subkeeper-sim: runs one deterministic simulation and prints its report as JSON (stdout) and
// one human line (stderr). Exits 1 when a target is missed, 2 on a usage error; the same
// command line replays the same run.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "simulation.h"

namespace {

using subkeeper::sim::SimOptions;

const char* kUsage =
    "usage: subkeeper-sim [--seed N] [--accounts N] [--subs N] [--days N] [--expires-in S]\n"
    "  [--threshold S] [--interval S] [--no-reminders] [--reconcile-interval S]\n"
    "  [--reminder-spread S] [--restarts N] [--downtime-min S]\n"
    "  [--downtime-max S] [--step S] [--bursts-5xx R] [--bursts-429 R]\n"
    "  [--timeout-bursts R] [--token-outages R] [--hit-probability P] [--purges R]\n"
    "  [--blacklists R] [--no-faults] [--work-dir DIR] [--log-level L]\n"
    "Rates R are per virtual day (purges, blacklists: per subscription-day).\n";

bool Parse(int argc, char** argv, SimOptions* options, std::string* log_level) {
  auto& f = options->faults;
  std::map<std::string, std::function<void(const char*)>> flags = {
      {"--seed", [&](const char* v) { options->seed = std::strtoull(v, nullptr, 10); }},
      {"--accounts", [&](const char* v) { options->accounts = std::atoi(v); }},
      {"--subs", [&](const char* v) { options->subscriptions_per_account = std::atoi(v); }},
      {"--days", [&](const char* v) { options->days = std::atoi(v); }},
      {"--expires-in", [&](const char* v) { options->expires_in_s = std::atoll(v); }},
      {"--threshold", [&](const char* v) { options->reminder_threshold_s = std::atoll(v); }},
      {"--interval", [&](const char* v) { options->reminder_interval_s = std::atoll(v); }},
      {"--reconcile-interval",
       [&](const char* v) { options->reconcile_interval_s = std::atoll(v); }},
      {"--reminder-spread", [&](const char* v) { options->max_reminder_spread_s = std::atoll(v); }},
      {"--restarts", [&](const char* v) { options->restarts = std::atoi(v); }},
      {"--downtime-min", [&](const char* v) { options->restart_downtime_min_s = std::atoll(v); }},
      {"--downtime-max", [&](const char* v) { options->restart_downtime_max_s = std::atoll(v); }},
      {"--step", [&](const char* v) { options->step_s = std::atoll(v); }},
      {"--bursts-5xx", [&](const char* v) { f.bursts_5xx_per_day = std::atof(v); }},
      {"--bursts-429", [&](const char* v) { f.bursts_429_per_day = std::atof(v); }},
      {"--timeout-bursts", [&](const char* v) { f.timeout_bursts_per_day = std::atof(v); }},
      {"--token-outages", [&](const char* v) { f.token_outages_per_day = std::atof(v); }},
      {"--hit-probability", [&](const char* v) { f.hit_probability = std::atof(v); }},
      {"--purges", [&](const char* v) { f.purges_per_sub_day = std::atof(v); }},
      {"--blacklists", [&](const char* v) { f.blacklists_per_sub_day = std::atof(v); }},
      {"--work-dir", [&](const char* v) { options->work_dir = v; }},
      {"--log-level", [&](const char* v) { *log_level = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-reminders") {
      options->reminders_enabled = false;
    } else if (arg == "--no-faults") {
      f = subkeeper::sim::FaultOptions{0, 0, 0, 0, 0, 0, 0};
      options->restarts = 0;
    } else if (auto it = flags.find(arg); it != flags.end() && i + 1 < argc) {
      it->second(argv[++i]);
    } else {
      std::fprintf(stderr, "subkeeper-sim: bad argument %s\n%s", arg.c_str(), kUsage);
      return false;
    }
  }
  if (options->accounts < 1 || options->subscriptions_per_account < 1 || options->days < 0 ||
      options->step_s < 1 || options->reconcile_interval_s < 1) {
    std::fprintf(stderr,
                 "subkeeper-sim: accounts, subs, step and reconcile interval must be "
                 "positive\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  SimOptions options;
  std::string log_level = "off";
  if (!Parse(argc, argv, &options, &log_level)) return 2;
  // The keeper logs every renewal; at 10k accounts that is noise, so logs are off by default.
  spdlog::set_level(spdlog::level::from_str(log_level));
  const subkeeper::sim::SimReport report = subkeeper::sim::RunSimulation(options);
  std::printf("%s\n", report.Json().c_str());
  std::fprintf(stderr, "%s\n", report.Summary().c_str());
  return report.TargetsMet() ? 0 : 1;
}
