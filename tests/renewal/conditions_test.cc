#include "subkeeper/renewal/conditions.h"

#include <catch2/catch.hpp>

namespace subkeeper::renewal {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);

std::vector<std::string> Types(const std::vector<Condition>& conditions) {
  std::vector<std::string> types;
  for (const auto& c : conditions)
    types.push_back(c.type + "=" + (c.status ? "True" : "False") + "/" + c.reason);
  return types;
}

TEST_CASE("Conditions follow what the platform said, not what was scheduled", "[renewal]") {
  store::SubscriptionRecord r;
  CHECK(Types(DeriveConditions(r, kNow)) == std::vector<std::string>{"Ready=False/Pending"});
  r.remote_id = "sub-1";
  r.status = "Active";
  r.expires_at = kNow + Seconds(10);
  CHECK(Types(DeriveConditions(r, kNow)) == std::vector<std::string>{"Ready=True/Active"});
  r.expires_at = kNow - Seconds(1);  // a renewal was scheduled but never happened
  CHECK(Types(DeriveConditions(r, kNow)) == std::vector<std::string>{"Ready=False/Expired"});
  r.expires_at = kNow + Seconds(10);
  r.status = "Blacklisted";
  r.blacklisted_reason = "I/O operation is failed";
  r.failures = 2;
  r.last_error = "unavailable: x";
  r.reminder_path_broken = true;
  r.disabled_filters = {"/restapi/v1.0/account/1/telephony/sessions"};
  CHECK(Types(DeriveConditions(r, kNow)) ==
        std::vector<std::string>{
            "Ready=False/NotActive", "Renewing=True/RetryScheduled", "Blacklisted=True/Blacklisted",
            "ReminderPathBroken=True/ReminderMissing", "FiltersDisabled=True/DisabledByPlatform"});
}

}  // namespace
}  // namespace subkeeper::renewal
