#include "subkeeper/app/status_view.h"

#include <catch2/catch.hpp>

#include "subkeeper/common/log.h"
#include "support/secret_fragments.h"

namespace subkeeper::app {
namespace {

TEST_CASE("The status view shows state and conditions and nothing secret", "[app]") {
  const WallTime now = FromUnixMillis(1'700'000'000'000);
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = now + Seconds(60);
  r.last_renewed_at = now - Seconds(60);
  r.last_trigger = subscription::RenewedBy::kReminder;
  r.next_renewal_at = now + Seconds(40);
  auto view = SubscriptionView(r, now);
  CHECK(view["remote_id"] == "sub-1");
  CHECK(view["status"] == "Active");
  CHECK(view["expires_at"] == "2023-11-14T22:14:20.000Z");
  CHECK(view["last_renewal"]["trigger"] == "reminder");
  CHECK(view["conditions"][0]["type"] == "Ready");
  CHECK(view["conditions"][0]["status"] == "True");
  CHECK(view["last_error"].is_null());
  const std::string text = SubscriptionsView({r}, {}, now).dump();
  CHECK(text.find("token") == std::string::npos);
  CHECK(text.find("secret") == std::string::npos);
}

TEST_CASE("The status view shows each subscription's relay backlog", "[app]") {
  const WallTime now = FromUnixMillis(1'700'000'000'000);
  store::SubscriptionRecord sms;
  sms.account = "main";
  sms.name = "sms";
  sms.deliver_to = "http://app:3000/events";
  store::SubscriptionRecord quiet = sms;
  quiet.name = "quiet";
  store::RelayBacklog backlog;
  backlog.account = "main";
  backlog.name = "sms";
  backlog.pending = 3;
  backlog.dead = 1;
  backlog.delivered = 40;
  backlog.oldest_pending_at = now - Seconds(90);
  backlog.last_error = "HTTP 503";
  auto view = SubscriptionsView({sms, quiet}, {backlog}, now);
  const auto& relay = view["subscriptions"][0]["relay"];
  CHECK(relay["deliver_to"] == "http://app:3000/events");
  CHECK(relay["pending"] == 3);
  CHECK(relay["dead"] == 1);
  CHECK(relay["delivered"] == 40);
  CHECK(relay["oldest_pending_age_s"] == 90);
  CHECK(relay["last_error"] == "HTTP 503");
  const auto& none = view["subscriptions"][1]["relay"];
  CHECK(none["pending"] == 0);
  CHECK(none["oldest_pending_at"].is_null());
  CHECK(none["last_error"].is_null());
}

TEST_CASE("The status view never shows Active past expires_at", "[app]") {
  const WallTime now = FromUnixMillis(1'700'000'000'000);
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  r.status = subkeeper::platform::RemoteStatus::Of(
      "Active");  // what the platform said at the last renewal
  r.expires_at = now - Seconds(1);
  auto view = SubscriptionView(r, now);
  CHECK(view["status"] == "Expired");
  CHECK(view["conditions"][0]["type"] == "Ready");
  CHECK(view["conditions"][0]["status"] == "False");
  CHECK(SubscriptionsView({r}, {}, now)["subscriptions"][0]["status"] == "Expired");
  // At the very instant of expiry too; a second before it, still the platform's word.
  r.expires_at = now;
  CHECK(SubscriptionView(r, now)["status"] == "Expired");
  r.expires_at = now + Seconds(1);
  CHECK(SubscriptionView(r, now)["status"] == "Active");
  // Another platform status is replaced as well once expired; none stored stays null.
  r.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
  r.expires_at = now - Seconds(1);
  CHECK(SubscriptionView(r, now)["status"] == "Expired");
  r.status = {};
  CHECK(SubscriptionView(r, now)["status"].is_null());
  // No known expiry: nothing to compare with.
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = WallTime{};
  CHECK(SubscriptionView(r, now)["status"] == "Active");
}

TEST_CASE("The status view shows no piece of a credential found in an error text", "[app]") {
  const WallTime now = FromUnixMillis(1'700'000'000'000);
  const std::string jwt = testing::LongJwt();
  const std::string opaque = testing::LongOpaqueToken();
  logging::SetSecret("test/status-view-opaque", opaque);
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = now + Seconds(60);
  r.failures = 1;
  r.last_error = "Unauthenticated: invalid assertion " + jwt + " and token " + opaque;
  store::RelayBacklog backlog;
  backlog.account = "main";
  backlog.name = "sms";
  backlog.last_error = "HTTP 401: Bearer " + opaque;
  platform::AccountStatus account;
  account.account = "main";
  account.last_error = "login failed for " + jwt;
  const std::string text = SubscriptionsView({r}, {backlog}, now).dump() +
                           AccountsView({account}, {}, now, SteadyTime{}).dump();
  logging::SetSecret("test/status-view-opaque", "");
  CHECK_FALSE(testing::HasFragment(text, jwt));
  CHECK_FALSE(testing::HasFragment(text, opaque));
  CHECK(text.find("[redacted]") != std::string::npos);
}

}  // namespace
}  // namespace subkeeper::app
