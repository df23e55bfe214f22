// Turning the config into the platform client and the renewal service's options, used by the
// composition root (compose.h). Private to the app module.
#pragma once

#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/http/http.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/renewal/service.h"

namespace subkeeper::app {

// The REST client for every configured account. `transport`, `clock`, `state` and `gate` (when
// given) must outlive it.
std::unique_ptr<platform::RestClient> MakePlatformClient(
    const config::Config& config, http::HttpTransport& transport, const Clock& clock,
    platform::AccountStateStore* state = nullptr, platform::CallGate* gate = nullptr,
    std::string user_agent = "");

// The renewal service's options from the config, with `owner` as the lease owner.
renewal::ServiceOptions MakeServiceOptions(const config::Config& config, std::string owner);

}  // namespace subkeeper::app
