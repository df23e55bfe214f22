// Mapping platform answers to Status codes, and parsing resources. Pure functions.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/http.h"
#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

// Maps a non-2xx answer to a Status (see api.h for the table). Parses both documented error
// body shapes ({"errors":[{"errorCode",…}]} and the older top-level errorCode/message, plus
// OAuth's error/error_description) and never copies the request or any token into the message.
Status MapHttpError(const HttpResponse& response);

// The wait a 429 asks for: the Retry-After header in seconds, or 30 s when it is absent or not a
// non-negative integer (an HTTP-date counts as unparsable).
std::chrono::seconds ParseRetryAfter(const HttpResponse& response);

// Parses a SubscriptionInfo JSON object. kInternal naming the field when it is malformed.
Result<RemoteSubscription> ParseSubscription(std::string_view json_text);
// Parses a SubscriptionListResource ({"records":[…]}).
Result<std::vector<RemoteSubscription>> ParseSubscriptionList(std::string_view json_text);

}  // namespace subkeeper::platform
