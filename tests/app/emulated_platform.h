// An in-process emulated platform (rcemu::Platform) behind an http::HttpTransport, for tests
// that run the controller on a ManualClock without sockets.
#pragma once

#include <string>

#include "rcemu/platform.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/http/http.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/webhook/receiver.h"
#include "support/fake_transport.h"

namespace subkeeper::testing {

inline constexpr char kServer[] = "http://platform.test";

// The controller tests' config: account acme (JWT) with one relayed subscription, orders, on the
// emulated platform at kServer, stored at `sqlite_path`.
inline config::Config EmulatedConfig(const std::string& sqlite_path = ":memory:",
                                     const std::string& webhook_secret = "webhook-secret-1") {
  config::Config config;
  config.public_url = "http://keeper.test";
  config.platform.server = kServer;
  config.platform.client_id = "demo-client";
  config.platform.client_secret = Secret("demo-secret");
  config.webhook_secret = Secret(webhook_secret);
  config.store.sqlite_path = sqlite_path;
  config.accounts.push_back({"acme", Secret("jwt-acme"), Secret()});
  config::SubscriptionConfig sub;
  sub.account = "acme";
  sub.name = "orders";
  sub.event_filters = {"/restapi/v1.0/account/~/extension/~/message-store"};
  sub.expires_in_s = 604800;
  sub.reminder = subscription::DefaultReminder(sub.expires_in_s);
  config.subscriptions.push_back(sub);
  return config;
}

// The platform's calls go to an in-process rcemu::Platform; its validation handshakes are
// answered as the keeper's webhook listener answers them.
class EmulatedPlatform final : public http::HttpTransport {
 public:
  explicit EmulatedPlatform(const ManualClock& clock)
      : clock_(clock), platform_(Options(), hooks_, clock) {
    hooks_.SetHandler([](const http::HttpRequest& request) -> Result<http::HttpResponse> {
      const std::string* token = request.headers.Find("Validation-Token");
      if (token == nullptr) return FakeTransport::Response(200);
      auto answer = webhook::WebhookReceiver::Handshake(*token);
      return http::HttpResponse{answer.status, answer.headers, answer.body};
    });
  }
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    rcemu::Request call{request.method, request.url.substr(std::string(kServer).size()),
                        request.headers, request.body};
    rcemu::Response answer = platform_.Handle(call, clock_.Now());
    return http::HttpResponse{answer.status, answer.headers, answer.body};
  }

  rcemu::Platform& platform() { return platform_; }

 private:
  static rcemu::Options Options() {
    rcemu::Options options;
    options.base_url = kServer;
    options.seed = "controller-test";
    return options;
  }
  const ManualClock& clock_;
  FakeTransport hooks_;
  rcemu::Platform platform_;
};

}  // namespace subkeeper::testing
