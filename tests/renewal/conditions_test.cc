#include "subkeeper/renewal/conditions.h"

#include <array>
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

// The conditions that hold ("Ready" is listed whatever its status).
std::vector<std::string> Holding(const std::vector<Condition>& conditions) {
  std::vector<std::string> types;
  for (const auto& c : conditions) {
    if (c.status || c.type == "Ready")
      types.push_back(c.type + "=" + (c.status ? "True" : "False") + "/" + c.reason);
  }
  return types;
}

TEST_CASE("Every condition type is listed in a fixed order", "[renewal]") {
  store::SubscriptionRecord r;
  r.reminder = subscription::ReminderSpec{60, 15};
  CHECK(Types(DeriveConditions(r, kNow)) ==
        std::vector<std::string>{
            "Ready=False/Pending", "Renewing=False/UpToDate", "Blacklisted=False/NotBlacklisted",
            "AuthFailed=False/CredentialAccepted", "ReminderPathBroken=False/RemindersArriving",
            "FiltersDisabled=False/AllEnabled"});
  r.reminder.reset();  // direct delivery has no reminders to miss
  CHECK(DeriveConditions(r, kNow)[4].reason == "NoReminder");
}

TEST_CASE("ConditionsHolding agrees with DeriveConditions' statuses", "[renewal]") {
  platform::AccountStatus ready, failed;
  ready.account = failed.account = "main";
  ready.state = platform::CredentialState::kReady;
  failed.state = platform::CredentialState::kAuthFailed;
  const std::array<const platform::AccountStatus*, 3> accounts = {nullptr, &ready, &failed};
  int checked = 0;
  // Every combination of what a status depends on.
  for (const char* remote_id : {"", "sub-1"}) {
    for (const char* status : {"", "Active", "Blacklisted", "Suspended"}) {
      for (WallTime expires_at : {WallTime{}, kNow - Seconds(1), kNow, kNow + Seconds(1)}) {
        for (int failures : {0, 1, 3}) {
          for (const std::optional<subscription::ReminderSpec>& reminder :
               {std::optional<subscription::ReminderSpec>(),
                std::optional(subscription::ReminderSpec{60, 15})}) {
            for (bool broken : {false, true}) {
              for (bool disabled : {false, true}) {
                for (const platform::AccountStatus* account : accounts) {
                  store::SubscriptionRecord r;
                  r.remote_id = remote_id;
                  r.status = subkeeper::platform::RemoteStatus::Of(status);
                  r.expires_at = expires_at;
                  r.failures = failures;
                  r.last_error = failures > 0 ? "unavailable: x" : "";
                  r.reminder = reminder;
                  r.reminder_path_broken = broken;
                  if (disabled) r.disabled_filters = {"/restapi/v1.0/account/1/presence"};
                  const auto derived = DeriveConditions(r, kNow, account);
                  const auto holding = ConditionsHolding(store::StateViewOf(r), kNow, account);
                  REQUIRE(derived.size() == holding.size());
                  for (size_t i = 0; i < derived.size(); ++i) {
                    INFO(Types(derived)[i] << " remote_id=" << remote_id << " status=" << status
                                           << " failures=" << failures);
                    CHECK(holding[i] == derived[i].status);
                  }
                  ++checked;
                }
              }
            }
          }
        }
      }
    }
  }
  CHECK(checked == 2 * 4 * 4 * 3 * 2 * 2 * 2 * 3);
}

TEST_CASE("Conditions follow what the platform said not what was scheduled", "[renewal]") {
  store::SubscriptionRecord r;
  r.remote_id = "sub-1";
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = kNow + Seconds(10);
  CHECK(Holding(DeriveConditions(r, kNow)) == std::vector<std::string>{"Ready=True/Active"});
  r.expires_at = kNow - Seconds(1);  // a renewal was scheduled but never happened
  CHECK(Holding(DeriveConditions(r, kNow)) == std::vector<std::string>{"Ready=False/Expired"});
  r.expires_at = kNow + Seconds(10);
  r.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
  r.blacklisted_reason = "I/O operation is failed";
  r.failures = 2;
  r.last_error = "unavailable: x";
  r.reminder = subscription::ReminderSpec{60, 15};
  r.reminder_path_broken = true;
  r.disabled_filters = {"/restapi/v1.0/account/1/telephony/sessions"};
  CHECK(Holding(DeriveConditions(r, kNow)) ==
        std::vector<std::string>{
            "Ready=False/NotActive", "Renewing=True/RetryScheduled", "Blacklisted=True/Blacklisted",
            "ReminderPathBroken=True/ReminderMissing", "FiltersDisabled=True/DisabledByPlatform"});
}

TEST_CASE("AuthFailed holds while the account's credential is rejected", "[renewal]") {
  store::SubscriptionRecord r;
  r.account = "main";
  platform::AccountStatus account;
  account.account = "main";
  account.state = platform::CredentialState::kReady;
  CHECK_FALSE(DeriveConditions(r, kNow, &account)[3].status);
  account.state = platform::CredentialState::kAuthFailed;
  account.last_error = "invalid_grant: JWT revoked";
  const Condition c = DeriveConditions(r, kNow, &account)[3];
  CHECK(c.type == "AuthFailed");
  CHECK(c.status);
  CHECK(c.reason == "CredentialRejected");
  CHECK(c.message.find("invalid_grant") != std::string::npos);
}

TEST_CASE("A transition time changes only when status or reason changes", "[renewal]") {
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = kNow + Seconds(600);
  // First sight: every condition is new, seen now.
  auto first = DeriveConditions(r, kNow);
  auto stored = Track(r, first, {}, kNow);
  CHECK(stored.size() == 6);
  CHECK(first[0].last_transition == kNow);

  // Nothing changed a minute later: times kept, nothing to store.
  auto same = DeriveConditions(r, kNow + Seconds(60));
  CHECK(Track(r, same, stored, kNow + Seconds(60)).empty());
  CHECK(same[0].last_transition == kNow);

  // A failure: Renewing flips, the others keep their time.
  r.failures = 1;
  r.last_error = "unavailable";
  auto failing = DeriveConditions(r, kNow + Seconds(120));
  auto changed = Track(r, failing, stored, kNow + Seconds(120));
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].type == "Renewing");
  CHECK(changed[0].status);
  CHECK(failing[1].last_transition == kNow + Seconds(120));
  CHECK(failing[0].last_transition == kNow);

  // An expiry noticed late is dated at the expiry.
  r.failures = 0;
  auto expired = DeriveConditions(r, kNow + Seconds(900));
  auto late = Track(r, expired, stored, kNow + Seconds(900));
  CHECK(expired[0].reason == "Expired");
  CHECK(expired[0].last_transition == kNow + Seconds(600));
  CHECK(late.size() == 1);
}

}  // namespace
}  // namespace subkeeper::renewal
