// Mapping platform answers to Status codes, and parsing resources. Pure functions.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"
#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

// Maps a non-2xx answer to a Status (see api.h for the table). Parses both documented error
// body shapes ({"errors":[{"errorCode",…}]} and the older top-level errorCode/message, plus
// OAuth's error/error_description) and never copies the request or any token into the message.
// The platform's message may echo a credential, so it is cleaned before it is cut to 200 bytes
// (a cut first would leave a secret's prefix that nothing recognises any more): every
// occurrence of each of `secrets` (raw and URL-encoded) and everything logging::Scrub
// recognises (registered secrets, JWT-shaped strings, the word after Bearer/Basic, token
// fields) become "[redacted]", then the text is cut on a UTF-8 boundary and made printable.
Status MapHttpError(const http::HttpResponse& response,
                    std::initializer_list<const Secret*> secrets = {});

// The wait a 429 asks for: the Retry-After header in seconds, or 30 s when it is absent or not a
// non-negative integer (an HTTP-date counts as unparsable).
std::chrono::seconds ParseRetryAfter(const http::HttpResponse& response);

// Parses a SubscriptionInfo JSON object. kInternal naming the field when it is malformed.
Result<RemoteSubscription> ParseSubscription(std::string_view json_text);
// Parses a SubscriptionListResource ({"records":[…]}).
Result<std::vector<RemoteSubscription>> ParseSubscriptionList(std::string_view json_text);

}  // namespace subkeeper::platform
