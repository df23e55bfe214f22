// The subscription API as the rest of the keeper uses it: one call per method, already
// authenticated, rate-limited and mapped to Status codes (see common/status.h):
//   404 / CMN-102            → kNotFound (recreate)
//   429                      → kResourceExhausted with retry_after (Retry-After, or 30 s)
//   a call refused locally because the group is in a penalty → kResourceExhausted, nothing sent
//   401                      → kUnauthenticated (after one token refresh and retry failed)
//   5xx, connection errors   → kUnavailable; timeouts → kDeadlineExceeded
//   other 4xx                → kInvalidArgument / kPermissionDenied / kFailedPrecondition
// Every error carries http_status() and api_code() when the platform answered.
// Implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

class SubscriptionApi {
 public:
  virtual ~SubscriptionApi() = default;
  // POST /restapi/v1.0/subscription (Medium)
  virtual Result<RemoteSubscription> Create(const std::string& account,
                                            const CreateRequest& request) = 0;
  // GET /restapi/v1.0/subscription (Light)
  virtual Result<std::vector<RemoteSubscription>> List(const std::string& account) = 0;
  // GET /restapi/v1.0/subscription/{id} (Light)
  virtual Result<RemoteSubscription> Get(const std::string& account, const std::string& id) = 0;
  // PUT /restapi/v1.0/subscription/{id} (Medium)
  virtual Result<RemoteSubscription> Update(const std::string& account, const std::string& id,
                                            const UpdateRequest& request) = 0;
  // POST /restapi/v1.0/subscription/{id}/renew (Light)
  virtual Result<RemoteSubscription> Renew(const std::string& account, const std::string& id) = 0;
  // DELETE /restapi/v1.0/subscription/{id} (Medium); a 404 is reported as kNotFound.
  virtual Status Delete(const std::string& account, const std::string& id) = 0;
};

}  // namespace subkeeper::platform
