#include "subkeeper/reconcile/startup.h"

#include <catch2/catch.hpp>

#include "subkeeper/store/sqlite_store.h"
#include "support/fake_platform.h"

namespace subkeeper::reconcile {
namespace {

const std::string kPublic = "https://hooks.example.com";

struct Fixture {
  ManualClock clock;
  testing::FakePlatform platform{clock};
  std::unique_ptr<store::Store> store =
      std::move(store::OpenSqliteStore(":memory:", clock)).value();
  config::Config config;

  Fixture() {
    config.accounts.push_back({"main", Secret("jwt")});
    for (const char* name : {"sms", "presence"}) {
      config::SubscriptionConfig sub;
      sub.name = name;
      sub.account = "main";
      sub.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
      sub.expires_in_s = 120;
      sub.reminder = {40, 10};
      config.subscriptions.push_back(sub);
    }
  }
  store::SubscriptionRecord Get(const std::string& name) {
    return store->GetSubscription("main", name).value().value();
  }
};

TEST_CASE("The desired record carries the relay address and reminder filter", "[reconcile]") {
  config::SubscriptionConfig sub;
  sub.name = "sms";
  sub.account = "main";
  sub.event_filters = {"/a"};
  sub.expires_in_s = 300;
  sub.reminder = {60, 15};
  sub.deliver_to = "http://app:3000/events";
  auto r = DesiredRecord(sub, kPublic);
  CHECK(r.address == "https://hooks.example.com/webhooks/main/sms");
  CHECK(r.reminder_filter == "/restapi/v1.0/subscription/~?threshold=60&interval=15");
  CHECK(r.deliver_to == "http://app:3000/events");
  sub.address = "https://app.example.com/hook";  // direct mode
  auto d = DesiredRecord(sub, kPublic);
  CHECK(d.address == "https://app.example.com/hook");
  CHECK(d.reminder_filter.empty());
  CHECK(d.deliver_to.empty());
}

TEST_CASE("A fresh start makes one list call and schedules creates", "[reconcile]") {
  Fixture f;
  auto report = ReconcileAtStartup(f.config, kPublic, *f.store, f.platform, f.clock);
  REQUIRE(report.ok());
  CHECK(report->to_create == 2);
  CHECK(f.platform.calls("list") == 1);
  CHECK(f.platform.total_calls() == 1);
  CHECK(f.Get("sms").next_renewal_at == f.clock.Now());
}

TEST_CASE("A lost database adopts by exact address and never touches other subscriptions",
          "[reconcile]") {
  Fixture f;
  const std::string ours = f.platform.AddExisting("main", kPublic + "/webhooks/main/sms", 120);
  f.platform.AddExisting("main", "https://someone-else.example.com/hook", 120);
  f.platform.AddExisting("main", kPublic + "/webhooks/main/sms-old", 120);
  auto report = ReconcileAtStartup(f.config, kPublic, *f.store, f.platform, f.clock);
  REQUIRE(report.ok());
  CHECK(report->adopted == 1);
  CHECK(report->to_create == 1);
  auto sms = f.Get("sms");
  CHECK(sms.remote_id == ours);
  CHECK(sms.next_renewal_at == sms.expires_at - Seconds(20));
  CHECK(f.store->ListHistory({}).value().front().kind == "adopted");
  CHECK(f.platform.all().size() == 3);
  CHECK(f.platform.total_calls() == 1);  // one list, nothing mutated
}

TEST_CASE("A known subscription missing on the platform is scheduled for recreation",
          "[reconcile]") {
  Fixture f;
  store::SubscriptionRecord known = DesiredRecord(f.config.subscriptions[0], kPublic);
  known.remote_id = "gone-1";
  known.status = "Active";
  known.expires_at = f.clock.Now() + Seconds(50);
  known.next_renewal_at = f.clock.Now() + Seconds(30);
  REQUIRE(f.store->PutSubscription(known, std::nullopt).ok());
  auto report = ReconcileAtStartup(f.config, kPublic, *f.store, f.platform, f.clock);
  REQUIRE(report.ok());
  CHECK(report->missing == 1);
  auto sms = f.Get("sms");
  CHECK(sms.remote_id.empty());
  CHECK(sms.next_renewal_at == f.clock.Now());
}

TEST_CASE("A known, listed subscription keeps its persisted timer", "[reconcile]") {
  Fixture f;
  const std::string id = f.platform.AddExisting("main", kPublic + "/webhooks/main/sms", 120);
  store::SubscriptionRecord known = DesiredRecord(f.config.subscriptions[0], kPublic);
  known.remote_id = id;
  known.next_renewal_at = f.clock.Now() + Seconds(77);
  REQUIRE(f.store->PutSubscription(known, std::nullopt).ok());
  auto report = ReconcileAtStartup(f.config, kPublic, *f.store, f.platform, f.clock);
  REQUIRE(report.ok());
  CHECK(report->checked == 1);
  auto sms = f.Get("sms");
  CHECK(sms.status == "Active");
  CHECK(sms.expires_at == f.clock.Now() + Seconds(120));
  CHECK(sms.next_renewal_at == f.clock.Now() + Seconds(77));
}

TEST_CASE("A failed list call leaves known timers alone and makes unknown ones due",
          "[reconcile]") {
  Fixture f;
  f.platform.FailNext("list", Status::Unavailable("down"));
  auto report = ReconcileAtStartup(f.config, kPublic, *f.store, f.platform, f.clock);
  REQUIRE(report.ok());
  REQUIRE(report->errors.size() == 1);
  CHECK(f.Get("sms").next_renewal_at == f.clock.Now());
}

}  // namespace
}  // namespace subkeeper::reconcile
