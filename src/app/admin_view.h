// The admin listener's read model: readiness, the subscriptions document, one subscription,
// the metrics text, and the two requests an operator may make (renew now, wake the relay).
// Reads only: a GET never writes to the store (condition transitions are stored when a renewal
// settles; a change not stored yet is shown with the time it is first seen). Private to the app
// module. Called on admin request threads; safe to call concurrently.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "subkeeper/app/controller.h"
#include "subkeeper/app/metrics.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::app {

// What only the process running the controller knows. Each may be empty (then: nothing to
// report, nothing to wake).
struct ShellStatus {
  // Why received events cannot be committed, if they cannot (webhook::EventIngestor).
  std::function<std::optional<std::string>()> commit_failure;
  std::function<bool()> webhooks_up;  // the webhook listener runs
  std::function<void()> wake_relay;
};

class AdminView final : public server::AdminSource {
 public:
  // `controller` and `metrics` must outlive the view; the controller must be Open.
  AdminView(Controller& controller, Metrics& metrics, ShellStatus shell);

  Readiness GetReadiness() override;
  std::string SubscriptionsJson() override;
  void WakeRelay() override;
  Answer SubscriptionJson(const std::string& account, const std::string& name) override;
  Answer RequestRenewal(const std::string& account, const std::string& name) override;
  std::string MetricsText() override;

 private:
  // The replica's identity and claim count, and each account's claim as stored.
  void AddClaims(const AccountClaims& claims, WallTime now, nlohmann::json& view);

  Controller& controller_;
  Metrics& metrics_;
  const ShellStatus shell_;
};

}  // namespace subkeeper::app
