// Start-up reconcile (the first step of the declarative controller): make the store's records
// match the config and what the platform says, then leave the calls that change the platform
// (create, recreate, replace) to the renewal service by making those records due now.
//
// Per account: exactly one list call. Per configured subscription:
//   known remote id, listed       → observed state refreshed; due now when not Active
//   known remote id, not listed   → "expired" in history; due now (the service recreates it)
//   no remote id, one listed with exactly our delivery address → "adopted"
//   no remote id, none listed     → due now (the service creates it)
// A failed list call leaves known subscriptions on their timers and makes unknown ones due (the
// service retries with backoff). Nothing here deletes anything.
#pragma once

#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/store/store.h"

namespace subkeeper::reconcile {

// The record a configured subscription should have: identity and desired definition (filters,
// lifetime, reminder filter, delivery address, relay target). Observed fields are left empty.
store::SubscriptionRecord DesiredRecord(const config::SubscriptionConfig& sub,
                                        const std::string& public_url);

// Copies the desired definition of `desired` into `record`, keeping its observed state.
void MergeDesired(const store::SubscriptionRecord& desired, store::SubscriptionRecord& record);

struct StartupReport {
  int checked = 0;  // known and listed
  int adopted = 0;
  int missing = 0;  // known but gone: will be recreated
  int to_create = 0;
  int inactive = 0;                 // listed but not Active: will be replaced
  std::vector<std::string> errors;  // list calls that failed, per account
};

// REQUIRES: `public_url` is the effective base (no trailing slash).
Result<StartupReport> ReconcileAtStartup(const config::Config& config,
                                         const std::string& public_url, store::Store& store,
                                         platform::SubscriptionApi& api, const Clock& clock);

}  // namespace subkeeper::reconcile
