// The deterministic simulation: targets on a short run, byte-identical replays, and proof that
// its metrics see a keeper that fails.
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include "simulation.h"

namespace subkeeper::sim {
namespace {

// The keeper logs every renewal and every failed call; a simulated month is thousands of lines.
class QuietLogs {
 public:
  QuietLogs() : previous_(spdlog::get_level()) { spdlog::set_level(spdlog::level::off); }
  ~QuietLogs() { spdlog::set_level(previous_); }

 private:
  spdlog::level::level_enum previous_;
};

// Small enough for ctest on a loaded 2-core machine; every fault kind still occurs.
SimOptions ShortRun(uint64_t seed) {
  SimOptions options;
  options.seed = seed;
  options.accounts = 10;
  options.subscriptions_per_account = 3;
  options.days = 30;
  options.reconcile_interval_s = 3600;
  options.restarts = 2;
  options.faults.purges_per_sub_day = 0.01;
  options.faults.blacklists_per_sub_day = 0.01;
  return options;
}

TEST_CASE("a short faulty month meets every target", "[sim]") {
  QuietLogs quiet;
  const SimReport report = RunSimulation(ShortRun(7));
  INFO(report.Json());
  CHECK(report.expired == 0);
  CHECK(report.requests_in_penalty == 0);
  CHECK(report.duplicate_creates == 0);
  CHECK(report.calls_per_renewal <= 1.2);
  CHECK(report.min_slack_s > 0);
  // The run really was faulty and really renewed.
  CHECK(report.renewals >= 30 * 3);
  CHECK(report.restarts == 2);
  CHECK(report.faults.count("purge") == 1);
  CHECK(report.faults.count("429") == 1);
  CHECK(report.faults.count("timeout_after_processing") == 1);
  CHECK(report.faults.count("timeout_before_arrival") == 1);
  CHECK(report.TargetsMet());
}

TEST_CASE("the same seed gives the same report byte for byte", "[sim]") {
  QuietLogs quiet;
  SimOptions options = ShortRun(11);
  options.accounts = 4;
  options.days = 10;
  const std::string first = RunSimulation(options).Json(false);
  const std::string second = RunSimulation(options).Json(false);
  CHECK(first == second);
  options.seed = 12;
  CHECK(RunSimulation(options).Json(false) != first);
}

TEST_CASE("without reminders the fallback timer alone keeps everything alive", "[sim]") {
  QuietLogs quiet;
  SimOptions options = ShortRun(3);
  options.accounts = 4;
  options.days = 20;
  options.reminders_enabled = false;
  const SimReport report = RunSimulation(options);
  INFO(report.Json());
  CHECK(report.reminders_delivered == 0);
  CHECK(report.expired == 0);
  CHECK(report.renewals >= 4 * 3 * 2);
}

TEST_CASE("a keeper down for longer than a lifetime is reported as expiries", "[sim]") {
  QuietLogs quiet;
  SimOptions options;
  options.seed = 5;
  options.accounts = 2;
  options.days = 4;
  options.expires_in_s = 6 * 3600;
  options.faults = FaultOptions{0, 0, 0, 0, 0, 0, 0};
  options.restarts = 1;
  options.restart_downtime_min_s = 2 * 86400;
  options.restart_downtime_max_s = 2 * 86400;
  const SimReport report = RunSimulation(options);
  INFO(report.Json());
  CHECK(report.expired > 0);
  CHECK_FALSE(report.TargetsMet());
}

}  // namespace
}  // namespace subkeeper::sim
