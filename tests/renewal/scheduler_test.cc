#include "subkeeper/renewal/scheduler.h"

#include <catch2/catch.hpp>

#include "subkeeper/store/sqlite_store.h"
#include "support/fake_platform.h"
#include "support/forwarding_store.h"

namespace subkeeper::renewal {
namespace {

// Passes everything to a real store and counts the reads the scheduler could make.
class CountingStore final : public testing::ForwardingSubscriptionStore {
 public:
  using ForwardingSubscriptionStore::ForwardingSubscriptionStore;
  int list_subscriptions = 0;
  int list_schedule = 0;
  size_t schedule_rows = 0;
  int get_subscription = 0;

  Result<std::vector<store::SubscriptionRecord>> ListSubscriptions() override {
    ++list_subscriptions;
    return inner_.ListSubscriptions();
  }
  Result<std::vector<store::SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view a) override {
    ++list_subscriptions;
    return inner_.ListAccountSubscriptions(a);
  }
  Result<std::optional<store::SubscriptionRecord>> GetSubscription(std::string_view a,
                                                                   std::string_view n) override {
    ++get_subscription;
    return inner_.GetSubscription(a, n);
  }
  Result<std::vector<store::ScheduleEntry>> ListSchedule(
      const std::optional<store::ScheduleEntry>& after, int limit) override {
    ++list_schedule;
    auto page = inner_.ListSchedule(after, limit);
    if (page.ok()) schedule_rows += page->size();
    return page;
  }
};

const subscription::ReminderSpec kReminder{40, 10};

struct Fixture {
  ManualClock clock;
  testing::FakePlatform platform{clock};
  std::unique_ptr<store::Store> real = std::move(store::OpenSqliteStore(":memory:", clock)).value();
  CountingStore counting{*real};
  store::SubscriptionStore* store = &counting;
  RenewalService service{counting, platform, clock, Options(), [] { return 0.5; }};
  Scheduler scheduler;

  explicit Fixture(SchedulerOptions options = {})
      : scheduler(counting, service, clock, std::move(options)) {}

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
    r.reminder = kReminder;
    r.address = "http://127.0.0.1:1/webhooks/main/" + name;
    r.next_renewal_at = due;
    REQUIRE(real->PutSubscription(r, std::nullopt).ok());
  }
  store::SubscriptionRecord Get(const std::string& name) {
    return real->GetSubscription("main", name).value().value();
  }
  void ResetCounts() {
    counting.list_subscriptions = counting.list_schedule = counting.get_subscription = 0;
    counting.schedule_rows = 0;
  }
};

// Reminders delayed by half their spread: threshold 40, interval 10 → spread 10 s → 5 s.
SchedulerOptions HalfSpread() {
  SchedulerOptions options;
  options.max_reminder_spread = Seconds(3600);
  options.unit_random = [] { return 0.5; };
  return options;
}

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
  CHECK(r.last_trigger == subscription::RenewedBy::kReminder);
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
  CHECK(f.Get("sms").last_trigger == subscription::RenewedBy::kTimer);
}

TEST_CASE("Of 1000 scheduled records a Tick runs the 3 due and reads one page", "[renewal]") {
  Fixture f;
  const WallTime t0 = f.clock.Now();
  std::set<std::string> configured;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "s" + std::to_string(i);
    // s7, s500 and s999 are due; the rest spread over the next hours.
    const bool due = i == 7 || i == 500 || i == 999;
    f.Add(name, due ? t0 - Seconds(i) : t0 + Seconds(600 + i * 7));
    configured.insert("main/" + name);
  }
  f.scheduler.SetConfigured(configured);
  f.ResetCounts();
  const WallTime next = f.scheduler.Tick();
  CHECK(f.platform.calls("create") == 3);
  for (const char* name : {"s7", "s500", "s999"}) CHECK_FALSE(f.Get(name).remote_id.empty());
  CHECK(f.Get("s8").remote_id.empty());
  CHECK(f.counting.list_subscriptions == 0);
  // One walk that runs, one that looks where the runs moved their entries: a page each, at most.
  CHECK(f.counting.list_schedule <= 2);
  CHECK(f.counting.schedule_rows <= 2 * static_cast<size_t>(Scheduler::kFirstPageSize));
  CHECK(f.counting.get_subscription == 3);  // the service's own read per run, nothing else
  // The next pass: the earliest of the three fresh subscriptions' timers (at about +99 s),
  // but never more than the idle wait away.
  WallTime earliest = WallTime::max();
  for (const char* name : {"s7", "s500", "s999"})
    earliest = std::min(earliest, f.Get(name).next_renewal_at);
  CHECK(earliest < t0 + Seconds(100));
  CHECK(next == t0 + Scheduler::kIdleWait);

  // Idle: nothing due, one short read.
  f.clock.Advance(Seconds(50));
  f.ResetCounts();
  CHECK(f.scheduler.Tick() == earliest);
  CHECK(f.counting.list_schedule == 1);
  CHECK(f.counting.schedule_rows <= static_cast<size_t>(Scheduler::kFirstPageSize));
  CHECK(f.platform.calls("create") == 3);
}

TEST_CASE("Unconfigured due records do not block later ones", "[renewal]") {
  Fixture f;
  const WallTime t0 = f.clock.Now();
  // More than a page of records nobody configures, all due before the configured one.
  for (int i = 0; i < Scheduler::kPageSize + 50; ++i)
    f.Add("stale" + std::to_string(i), t0 - Seconds(1000 - i));
  f.Add("wanted", t0);
  f.Add("later", t0 + Seconds(40));
  f.scheduler.SetConfigured({"main/wanted", "main/later"});
  const WallTime next = f.scheduler.Tick();
  CHECK(f.platform.calls("create") == 1);
  CHECK_FALSE(f.Get("wanted").remote_id.empty());
  CHECK(f.Get("stale0").remote_id.empty());
  CHECK(next == t0 + Seconds(40));
}

TEST_CASE("A reminder is delayed within its spread and runs at the delayed time", "[renewal]") {
  Fixture f(HalfSpread());
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();  // creates; the timer is at about +97 s
  const std::string id = f.Get("sms").remote_id;
  f.clock.Advance(Seconds(82));  // inside the reminder window
  f.scheduler.OnReminder("main", "sms", id);
  const WallTime next = f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 0);
  CHECK(f.scheduler.delayed_reminders() == 1);
  CHECK(f.Get("sms").last_reminder_at == f.clock.Now());  // recorded at once
  CHECK(next == f.clock.Now() + Seconds(5));
  f.clock.Advance(Millis(4999));
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 0);
  f.clock.Advance(Millis(1));
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.Get("sms").last_trigger == subscription::RenewedBy::kReminder);
  CHECK(f.scheduler.delayed_reminders() == 0);
}

TEST_CASE("Reminders repeated while one is delayed renew once", "[renewal]") {
  Fixture f(HalfSpread());
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();
  const std::string id = f.Get("sms").remote_id;
  f.clock.Advance(Seconds(82));
  f.scheduler.OnReminder("main", "sms", id);
  f.scheduler.OnReminder("main", "sms", id);
  f.scheduler.Tick();
  f.clock.Advance(Seconds(2));
  f.scheduler.OnReminder("main", "sms", id);  // the platform reminds again: still one pending
  const WallTime next = f.scheduler.Tick();
  CHECK(f.scheduler.delayed_reminders() == 1);
  CHECK(next == f.clock.Now() + Seconds(3));  // the first delay stands
  f.clock.Set(next);
  f.scheduler.Tick();
  f.clock.Advance(Seconds(10));
  f.scheduler.OnReminder("main", "sms", id);  // after the renewal: outside the window
  f.scheduler.Tick();
  f.clock.Advance(Seconds(10));
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
}

TEST_CASE("A delayed reminder does not renew what was renewed meanwhile", "[renewal]") {
  Fixture f(HalfSpread());
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();
  f.clock.Advance(Seconds(82));
  f.scheduler.OnReminder("main", "sms", f.Get("sms").remote_id);
  f.scheduler.Tick();
  f.scheduler.Request("main", "sms", Trigger::kManual);
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
  f.clock.Advance(Seconds(5));
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.Get("sms").last_trigger == subscription::RenewedBy::kManual);
}

TEST_CASE("Without randomness or with no spread a reminder renews at once", "[renewal]") {
  SchedulerOptions none = HalfSpread();
  none.max_reminder_spread = Seconds(0);
  Fixture f(none);
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();
  f.clock.Advance(Seconds(82));
  f.scheduler.OnReminder("main", "sms", f.Get("sms").remote_id);
  f.scheduler.Tick();
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.scheduler.delayed_reminders() == 0);
}

TEST_CASE("A restart loses the delay but the fallback timer still renews", "[renewal]") {
  Fixture f(HalfSpread());
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  f.scheduler.Tick();
  const WallTime expires = f.Get("sms").expires_at;
  f.clock.Advance(Seconds(82));
  f.scheduler.OnReminder("main", "sms", f.Get("sms").remote_id);
  f.scheduler.Tick();
  REQUIRE(f.scheduler.delayed_reminders() == 1);
  f.scheduler.Stop();

  Scheduler restarted(f.counting, f.service, f.clock, HalfSpread());
  restarted.SetConfigured({"main/sms"});
  const WallTime next = restarted.Tick();
  CHECK(f.platform.calls("renew") == 0);
  CHECK(next == f.Get("sms").next_renewal_at);  // the persisted timer, not the lost delay
  f.clock.Set(next);
  restarted.Tick();
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.Get("sms").last_trigger == subscription::RenewedBy::kTimer);
  CHECK(f.Get("sms").expires_at > expires);
}

TEST_CASE("An entry whose lease is held elsewhere is retried shortly not in a spin", "[renewal]") {
  Fixture f;
  f.Add("sms", f.clock.Now());
  f.scheduler.SetConfigured({"main/sms"});
  REQUIRE(
      f.real->TryAcquireLease("main", "sms", "other", f.clock.Now(), f.clock.Now() + Seconds(30))
          .value());
  const WallTime next = f.scheduler.Tick();
  CHECK(f.platform.total_calls() == 0);
  CHECK(next == f.clock.Now() + Scheduler::kBusyWait);
}

}  // namespace
}  // namespace subkeeper::renewal
