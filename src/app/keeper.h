// The running keeper: every component, constructed and wired in one place. Private to the app
// module; RunDaemon owns one.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/curl_transport.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/server/http_server.h"
#include "subkeeper/store/store.h"
#include "subkeeper/webhook/ingestor.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace subkeeper::app {

class Keeper final : public server::AdminSource {
 public:
  // `config` and `clock` must outlive the keeper.
  Keeper(const config::Config& config, const Clock& clock);
  ~Keeper() override;

  // Opens the store, binds and starts both listeners, reconciles, starts the scheduler.
  Status Start();
  // Stops accepting webhooks, drains the ingestor, stops the scheduler and the admin listener.
  void Stop();

  int webhook_port() const { return webhook_port_; }
  int admin_port() const { return admin_port_; }
  const std::string& public_url() const { return public_url_; }

  // server::AdminSource
  Readiness GetReadiness() override;
  std::string SubscriptionsJson() override;

 private:
  Status OpenStore();
  Status StartListeners();
  Status ApplyConfig();
  void PublishRoutes();
  std::set<std::string> ConfiguredKeys() const;

  const config::Config& config_;
  const Clock& clock_;
  std::unique_ptr<store::Store> store_;
  platform::CurlTransport transport_;
  std::unique_ptr<platform::RestClient> api_;
  std::unique_ptr<renewal::RenewalService> renewal_;
  std::unique_ptr<renewal::Scheduler> scheduler_;
  webhook::RouteTable routes_;
  std::unique_ptr<webhook::EventIngestor> ingestor_;
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
  std::unique_ptr<server::WebhookServer> webhook_server_;
  std::unique_ptr<server::AdminServer> admin_server_;

  int webhook_port_ = 0;
  int admin_port_ = 0;
  std::string public_url_;
  std::atomic<bool> config_applied_{false};
  std::atomic<bool> webhooks_up_{false};
};

}  // namespace subkeeper::app
