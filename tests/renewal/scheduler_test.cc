#include "subkeeper/renewal/scheduler.h"

#include <catch2/catch.hpp>

#include "subkeeper/store/sqlite_store.h"
#include "support/fake_platform.h"

namespace subkeeper::renewal {
namespace {

struct Fixture {
  ManualClock clock;
  testing::FakePlatform platform{clock};
  std::unique_ptr<store::Store> store =
      std::move(store::OpenSqliteStore(":memory:", clock)).value();
  RenewalService service{*store, platform, clock, Options(), [] { return 0.5; }};
  Scheduler scheduler{*store, service, clock};

  static ServiceOptions Options() {
    ServiceOptions o;
    o.owner = "test-owner";
    o.webhook_secret = Secret("s");
    return o;
  }
  void Add(const std::string& name, WallTime due) {
    store::SubscriptionRecord r;
    r.account = "main";
    r.name = name;
    r.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
    r.expires_in_s = 120;
    r.reminder_filter = "/restapi/v1.0/subscription/~?threshold=40&interval=10";
    r.address = "http://127.0.0.1:1/webhooks/main/" + name;
    r.next_renewal_at = due;
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  store::SubscriptionRecord Get(const std::string& name) {
    return store->GetSubscription("main", name).value().value();
  }
};

TEST_CASE("Tick runs due configured subscriptions only and returns the next due time",
          "[renewal]") {
  Fixture f;
  f.Add("due", f.clock.Now());
  f.Add("later", f.clock.Now() + Seconds(30));
  f.Add("unconfigured", f.clock.Now());
  f.scheduler.SetConfigured({"main/due", "main/later"});
  const WallTime next = f.scheduler.Tick();
  CHECK_FALSE(f.Get("due").remote_id.empty());
  CHECK(f.Get("later").remote_id.empty());
  CHECK(f.Get("unconfigured").remote_id.empty());
  CHECK(next == f.clock.Now() + Seconds(30));
  CHECK(f.platform.calls("create") == 1);
}

TEST_CASE("A queued reminder renews its subscription and is recorded", "[renewal]") {
  Fixture f;
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();  // creates
  const std::string id = f.Get("sms").remote_id;
  f.clock.Advance(Seconds(82));
  f.scheduler.OnReminder("main", "sms", id);
  f.scheduler.Tick();
  auto r = f.Get("sms");
  CHECK(r.last_trigger == "reminder");
  CHECK(r.last_reminder_at == f.clock.Now());
  CHECK(r.expires_at == f.clock.Now() + Seconds(120));
  CHECK(f.platform.calls("renew") == 1);
  // The same reminder delivered again after the renewal does not renew twice.
  f.scheduler.OnReminder("main", "sms", id);
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
  // A reminder naming another subscription id is ignored.
  f.scheduler.OnReminder("main", "sms", "someone-else");
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
}

TEST_CASE("Without reminders the fallback timer renews before expiry", "[renewal]") {
  Fixture f;
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();
  // Ten lifetimes, jumping the clock straight to each wake-up time the scheduler asks for.
  for (int i = 0; i < 100 && f.platform.calls("renew") < 10; ++i) {
    f.clock.Set(f.scheduler.Tick());
    REQUIRE(f.Get("sms").expires_at > f.clock.Now());
  }
  CHECK(f.platform.calls("renew") == 10);
  CHECK(f.platform.calls("create") == 1);
  CHECK(f.Get("sms").last_trigger == "timer");
}

}  // namespace
}  // namespace subkeeper::renewal
