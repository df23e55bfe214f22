// A burst of creates larger than the account's Medium budget is spread over time by the keeper's
// own limiter: the platform never answers 429, no request is sent inside a penalty, and every
// subscription is created exactly once. The emulator is given a Medium budget of 5 per minute
// (its X-Rate-Limit-* headers tell the keeper), so 8 creates must take two windows.
#include <algorithm>
#include <catch2/catch.hpp>

#include "subkeeper/common/time_format.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

constexpr int kSubscriptions = 8;
constexpr int kMediumBudget = 5;

bool IsMedium(const json& call) {
  const std::string method = call.value("method", "");
  const std::string path = call.value("path", "");
  return path.rfind("/restapi/v1.0/subscription", 0) == 0 &&
         (method == "POST" || method == "PUT" || method == "DELETE") &&
         path.find("/renew") == std::string::npos;
}

TEST_CASE("a burst of creates beyond the Medium budget is spread without a single 429",
          "[integration]") {
  ScenarioOptions options;
  for (int i = 0; i < kSubscriptions; ++i) {
    SubscriptionSpec spec;
    spec.name = "s" + std::to_string(i);
    spec.expires_in_s = 600;  // no renewal inside the test
    spec.threshold_s = 100;
    spec.interval_s = 20;
    options.subscriptions.push_back(spec);
  }
  options.subscription = "s0";
  options.extra_emulator_args = {
      "--rate-limits", "light=50,medium=" + std::to_string(kMediumBudget) + ",heavy=10,auth=5"};
  Scenario s(options);

  // The second window opens 60 s after the first create: allow for it and a retry tick.
  const bool all_created = WaitFor(
      [&] {
        int active = 0;
        for (const auto& record : s.EmulatorRecords())
          active += record.value("status", "") == "Active";
        return active == kSubscriptions;
      },
      std::chrono::seconds(150), std::chrono::milliseconds(250));
  REQUIRE(all_created);

  std::vector<WallTime> medium;
  int creates = 0;
  for (const auto& call : s.Calls()) {
    INFO(call.dump());
    CHECK(call.value("status", 0) != 429);
    CHECK_FALSE(call.value("inPenalty", false));
    if (!IsMedium(call)) continue;
    creates += call.value("method", "") == "POST";
    auto at = ParseIso8601(call.value("time", ""));
    REQUIRE(at.ok());
    medium.push_back(*at);
  }
  CHECK(creates == kSubscriptions);
  CHECK(medium.size() == static_cast<size_t>(kSubscriptions));
  // Never more than the budget in any 60 s window.
  std::sort(medium.begin(), medium.end());
  for (size_t i = 0; i < medium.size(); ++i) {
    const auto in_window =
        std::count_if(medium.begin() + static_cast<std::ptrdiff_t>(i), medium.end(),
                      [&](WallTime t) { return t - medium[i] < std::chrono::seconds(60); });
    CHECK(in_window <= kMediumBudget);
  }
}

}  // namespace
}  // namespace subkeeper::testing
