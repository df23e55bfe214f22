// The JSON served at GET /v1/subscriptions (and printed by `subkeeper status`). Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/records.h"

namespace subkeeper::app {

// One subscription: account, name, remote_id, status, expires_at, last_renewal {at, trigger},
// next_renewal, conditions [{type, status, reason, message}], last_error. No secrets: the
// verification token and credentials are not part of a record.
nlohmann::json SubscriptionView(const store::SubscriptionRecord& record, WallTime now);

// {"subscriptions":[…]} for `records`, in the order given.
nlohmann::json SubscriptionsView(const std::vector<store::SubscriptionRecord>& records,
                                 WallTime now);

}  // namespace subkeeper::app
