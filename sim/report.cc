// SimReport's renderings and the targets of the issue.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "simulation.h"

namespace subkeeper::sim {

bool SimReport::TargetsMet() const {
  return expired == 0 && requests_in_penalty == 0 && duplicate_creates == 0 &&
         calls_per_renewal <= 1.2;
}

std::string SimReport::Json(bool with_wall) const {
  // Fixed precision for doubles, so equal runs print equal bytes.
  auto fixed = [](double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.4f", value);
    return nlohmann::json::parse(text);
  };
  nlohmann::ordered_json out;
  out["seed"] = seed;
  out["accounts"] = accounts;
  out["subscriptions_per_account"] = subscriptions_per_account;
  out["virtual_days"] = fixed(virtual_days);
  out["expired"] = expired;
  out["min_slack_s"] = min_slack_s;
  out["requests_in_penalty"] = requests_in_penalty;
  out["duplicate_creates"] = duplicate_creates;
  out["calls_per_renewal"] = fixed(calls_per_renewal);
  out["calls_per_renewal_counts"] =
      "(renew+create+get+update+delete+lists outside reconciles) / (renewals+creates); token "
      "calls and reconcile lists are reported per account-day instead";
  out["renewals"] = renewals;
  out["creates"] = creates;
  out["api_calls"] = api_calls;
  out["token_calls_per_account_day"] = fixed(token_calls_per_account_day);
  out["list_calls_per_account_day"] = fixed(list_calls_per_account_day);
  out["faults"] = faults;
  out["restarts"] = restarts;
  out["reminders_delivered"] = reminders_delivered;
  out["targets_met"] = TargetsMet();
  if (with_wall) out["wall_seconds"] = fixed(wall_seconds);
  return out.dump();
}

std::string SimReport::Summary() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "seed %llu: %d accounts x %d subs, %.1f days in %.1f s: expired %lld, min slack "
                "%lld s, in penalty %lld, duplicate creates %lld, %.3f calls/renewal (%lld "
                "renewals, %lld creates), %.2f token and %.2f list calls per account-day: %s",
                static_cast<unsigned long long>(seed), accounts, subscriptions_per_account,
                virtual_days, wall_seconds, static_cast<long long>(expired),
                static_cast<long long>(min_slack_s), static_cast<long long>(requests_in_penalty),
                static_cast<long long>(duplicate_creates), calls_per_renewal,
                static_cast<long long>(renewals), static_cast<long long>(creates),
                token_calls_per_account_day, list_calls_per_account_day,
                TargetsMet() ? "targets met" : "TARGETS MISSED");
  return line;
}

}  // namespace subkeeper::sim
