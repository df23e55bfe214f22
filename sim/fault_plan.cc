#include "fault_plan.h"

#include <algorithm>
#include <cmath>

namespace subkeeper::sim {
namespace {

int64_t Count(double per_day, double days) {
  return std::max<int64_t>(0, std::llround(per_day * days));
}

void Add(std::vector<FaultEvent>& plan, std::mt19937_64& engine, WallTime start, Seconds span,
         FaultKind kind, int64_t count, Seconds min_duration, Seconds max_duration) {
  std::uniform_int_distribution<int64_t> when(0, span.count() - 1);
  std::uniform_int_distribution<int64_t> length(min_duration.count(), max_duration.count());
  for (int64_t i = 0; i < count; ++i) {
    // Drawn in a fixed order (time, then length) so the plan depends on the seed only.
    const Seconds offset(when(engine));
    const Seconds duration(length(engine));
    plan.push_back(FaultEvent{start + offset, kind, duration});
  }
}

}  // namespace

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::k5xxBurst:
      return "5xx_burst";
    case FaultKind::k429Burst:
      return "429_burst";
    case FaultKind::kTimeoutBurst:
      return "timeout_burst";
    case FaultKind::kTokenOutage:
      return "token_outage";
    case FaultKind::kPurge:
      return "purge";
    case FaultKind::kBlacklist:
      return "blacklist";
    case FaultKind::kRestart:
      return "restart";
  }
  return "?";
}

std::vector<FaultEvent> MakeFaultPlan(const SimOptions& options, std::mt19937_64& engine,
                                      WallTime start) {
  const double days = options.days;
  const Seconds span(static_cast<int64_t>(options.days) * 86400);
  const double subs = static_cast<double>(options.accounts) * options.subscriptions_per_account;
  const FaultOptions& f = options.faults;
  std::vector<FaultEvent> plan;
  if (span.count() <= 0) return plan;
  const Seconds minute(60);
  Add(plan, engine, start, span, FaultKind::k5xxBurst, Count(f.bursts_5xx_per_day, days), minute,
      15 * minute);
  Add(plan, engine, start, span, FaultKind::k429Burst, Count(f.bursts_429_per_day, days), minute,
      15 * minute);
  Add(plan, engine, start, span, FaultKind::kTimeoutBurst, Count(f.timeout_bursts_per_day, days),
      minute, 15 * minute);
  Add(plan, engine, start, span, FaultKind::kTokenOutage, Count(f.token_outages_per_day, days),
      Seconds(3600), Seconds(3600));
  Add(plan, engine, start, span, FaultKind::kPurge, Count(f.purges_per_sub_day * subs, days),
      Seconds(0), Seconds(0));
  Add(plan, engine, start, span, FaultKind::kBlacklist,
      Count(f.blacklists_per_sub_day * subs, days), Seconds(0), Seconds(0));
  Add(plan, engine, start, span, FaultKind::kRestart, options.restarts,
      Seconds(options.restart_downtime_min_s),
      Seconds(std::max(options.restart_downtime_min_s, options.restart_downtime_max_s)));
  std::stable_sort(plan.begin(), plan.end(),
                   [](const FaultEvent& a, const FaultEvent& b) { return a.at < b.at; });
  return plan;
}

void ActiveFaults::Open(const FaultEvent& event) {
  WallTime* until = nullptr;
  switch (event.kind) {
    case FaultKind::k5xxBurst:
      until = &until_5xx;
      break;
    case FaultKind::k429Burst:
      until = &until_429;
      break;
    case FaultKind::kTimeoutBurst:
      until = &until_timeout;
      break;
    case FaultKind::kTokenOutage:
      until = &until_token_down;
      break;
    default:
      return;
  }
  *until = std::max(*until, event.at + event.duration);
}

}  // namespace subkeeper::sim
