// Records and times shared by the conformance tests.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store::conformance {

inline WallTime At(int64_t ms) { return FromUnixMillis(ms); }

// A record with only its key set, in account "main".
inline SubscriptionRecord Minimal(std::string name) {
  SubscriptionRecord r;
  r.account = "main";
  r.name = std::move(name);
  return r;
}

// Every field set to a distinct non-default value (the lease and updated_at excepted: the store
// writes those).
inline SubscriptionRecord Full() {
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.event_filters = {"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
                     "/restapi/v1.0/account/~/presence \"quoted\" ünïcode"};
  r.expires_in_s = 604800;
  r.reminder = subscription::ReminderSpec{86400, 3600};
  r.address = "https://hooks.example.com/webhooks/main/sms";
  r.deliver_to = "http://app:3000/ringcentral/events";
  r.remote_id = "a1b2c3";
  r.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
  r.remote_filters = {"/restapi/v1.0/account/37439510/extension/1234/message-store/instant"};
  r.disabled_filters = {"/restapi/v1.0/account/37439510/presence"};
  r.blacklisted_reason = "Webhook responses are too slow";
  r.granted_ttl_s = 604799;
  r.remote_created_at = At(1'700'000'000'123);
  r.expires_at = At(1'700'604'800'456);
  r.next_renewal_at = At(1'700'500'000'789);
  r.last_renewed_at = At(1'700'000'001'000);
  r.last_trigger = subscription::RenewedBy::kReminder;
  r.last_reminder_at = At(1'700'000'002'000);
  r.reminder_path_broken = true;
  r.create_uncertain = true;
  r.failures = 3;
  r.last_error = "unavailable: HTTP 503";
  r.last_error_at = At(1'700'000'003'000);
  return r;
}

// Every field set to a distinct non-default value (updated_at excepted).
inline platform::AccountSnapshot FullAccount() {
  platform::AccountSnapshot a;
  a.account = "main";
  a.credential_fingerprint = "sha256:0123abcd";
  a.access_token = Secret("U0pDMDFQMDFQQVMwMXw.access-ünïcode");
  a.access_expires_at = At(1'700'003'600'123);
  a.refresh_token = Secret("U0pDMDFQMDFQQVMwMXw.refresh");
  a.refresh_expires_at = At(1'700'604'800'456);
  a.state = platform::CredentialState::kAuthFailed;
  a.auth_failures = 4;
  a.next_login_at = At(1'700'000'960'789);
  a.last_error = "permission_denied: invalid_grant";
  return a;
}

inline bool SameAccount(const platform::AccountSnapshot& a, const platform::AccountSnapshot& b) {
  return std::tie(a.account, a.credential_fingerprint, a.access_token, a.access_expires_at,
                  a.refresh_token, a.refresh_expires_at, a.state, a.auth_failures, a.next_login_at,
                  a.last_error, a.updated_at) ==
         std::tie(b.account, b.credential_fingerprint, b.access_token, b.access_expires_at,
                  b.refresh_token, b.refresh_expires_at, b.state, b.auth_failures, b.next_login_at,
                  b.last_error, b.updated_at);
}

// The saved snapshot of `account`, or nullopt; fails the test when the load fails.
inline std::optional<platform::AccountSnapshot> SavedAccount(platform::AccountStateStore& accounts,
                                                             const std::string& account) {
  auto all = accounts.LoadAccounts();
  REQUIRE(all.ok());
  for (platform::AccountSnapshot& a : *all) {
    if (a.account == account) return std::move(a);
  }
  return std::nullopt;
}

}  // namespace subkeeper::store::conformance
