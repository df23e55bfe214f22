// The JSON served at GET /v1/subscriptions (and printed by `subkeeper status`). Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/rate_limiter.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/store/claim_store.h"
#include "subkeeper/store/records.h"

namespace subkeeper::app {

// What "status" shows for a subscription whose expires_at has passed (whatever the platform said).
inline constexpr const char* kExpiredStatus = "Expired";

// The status shown for `record` at `now`: null when none is stored, kExpiredStatus once
// expires_at (when known) is at or before `now`, else the platform's status as stored.
nlohmann::json DisplayedStatus(const store::SubscriptionRecord& record, WallTime now);

// One subscription: account, name, remote_id, status, expires_at, last_renewal {at, trigger},
// next_renewal, conditions [{type, status, reason, message, last_transition_time}], last_error.
// No secrets: the verification token and credentials are not part of a record, and every error
// text (last_error, condition messages) passes logging::Scrub. `conditions`
// null: derived here, without account state and transition times.
nlohmann::json SubscriptionView(const store::SubscriptionRecord& record, WallTime now,
                                const std::vector<renewal::Condition>* conditions = nullptr);

// The relay figures of one subscription: {deliver_to, pending, dead, delivered,
// oldest_pending_at, oldest_pending_age_s, last_error}. `backlog` may be null (no events yet).
nlohmann::json RelayView(const store::SubscriptionRecord& record,
                         const store::RelayBacklog* backlog, WallTime now);
// {"subscriptions":[…]} for `records`, in the order given, each with a "relay" object from
// the matching entry of `backlogs` (by account and name).
// `conditions`, when given, has one entry per record.
nlohmann::json SubscriptionsView(
    const std::vector<store::SubscriptionRecord>& records,
    const std::vector<store::RelayBacklog>& backlogs, WallTime now,
    const std::vector<std::vector<renewal::Condition>>* conditions = nullptr);

// {"accounts":[{name, state, access_expires_at, refresh_expires_at, auth_failures,
// next_login_at, last_error, rate_limits:[{group, limit, remaining, window_s, blocked_until}]}]}
// in the order of `accounts`. Rate-limit snapshots are steady-clock based: blocked_until is
// shown as wall time (`now` + what is left), null when the group is not blocked. No secret.
nlohmann::json AccountsView(const std::vector<platform::AccountStatus>& accounts,
                            const std::vector<platform::RateLimitSnapshot>& limits, WallTime now,
                            SteadyTime steady_now);

// An account's claim (several keepers on one database): {holder, epoch, until, this_keeper}.
// holder is null when nobody holds a live claim at `now` (never claimed, given back, lapsed);
// this_keeper says whether the holder is `self` (the keeper answering).
nlohmann::json ClaimView(const store::AccountClaim* claim, std::string_view self, WallTime now);

}  // namespace subkeeper::app
