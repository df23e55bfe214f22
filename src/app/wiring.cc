#include "wiring.h"

#include <map>

namespace subkeeper::app {

std::unique_ptr<platform::RestClient> MakePlatformClient(
    const config::Config& config, http::HttpTransport& transport, const Clock& clock,
    platform::AccountStateStore* state, platform::CallGate* gate, std::string user_agent) {
  std::map<std::string, platform::AccountCredentials> accounts;
  for (const auto& account : config.accounts)
    accounts[account.name] = {account.jwt, account.refresh_token};
  platform::ClientOptions options{
      config.platform.server,        config.platform.client_id,
      config.platform.client_secret, std::chrono::milliseconds(config.platform.request_timeout_ms),
      std::move(user_agent),         gate};
  return std::make_unique<platform::RestClient>(options, accounts, transport, clock, state);
}

renewal::ServiceOptions MakeServiceOptions(const config::Config& config, std::string owner) {
  renewal::ServiceOptions options;
  options.owner = std::move(owner);
  options.lease = Seconds(config.renewal.lease_s);
  options.backoff = {Seconds(config.renewal.min_backoff_s), Seconds(config.renewal.max_backoff_s)};
  options.direct_margin_pct = config.renewal.direct_margin_pct;
  options.webhook_secret = config.webhook_secret;
  options.reminder_job_interval_s = config.platform.reminder_job_interval_s;
  options.failure_events_after = config.relay.failure_events_after;
  return options;
}

}  // namespace subkeeper::app
