#include "subkeeper/renewal/service.h"

#include <catch2/catch.hpp>

#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/webhook/token.h"
#include "support/fake_platform.h"

namespace subkeeper::renewal {
namespace {

const std::string kReminder = "/restapi/v1.0/subscription/~?threshold=40&interval=10";

struct Fixture {
  ManualClock clock;
  testing::FakePlatform platform{clock};
  std::unique_ptr<store::Store> store =
      std::move(store::OpenSqliteStore(":memory:", clock)).value();
  RenewalService service{*store, platform, clock, Options(), [] { return 0.5; }};

  static ServiceOptions Options() {
    ServiceOptions o;
    o.owner = "test-owner";
    o.webhook_secret = Secret("hook-secret");
    o.reminder_job_interval_s = 5;
    return o;
  }
  void AddRecord(const std::string& reminder = kReminder) {
    store::SubscriptionRecord r;
    r.account = "main";
    r.name = "sms";
    r.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
    r.expires_in_s = 120;
    r.reminder_filter = reminder;
    r.address = "https://hooks.example.com/webhooks/main/sms";
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  store::SubscriptionRecord Record() {
    return store->GetSubscription("main", "sms").value().value();
  }
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    auto history = store->ListHistory({}).value();
    for (auto it = history.rbegin(); it != history.rend(); ++it) kinds.push_back(it->kind);
    return kinds;
  }
};

TEST_CASE("First run creates with the reminder filter and the derived verification token",
          "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  auto creates = f.platform.creates();
  REQUIRE(creates.size() == 1);
  CHECK(creates[0].event_filters ==
        std::vector<std::string>{"/restapi/v1.0/account/~/extension/~/presence", kReminder});
  CHECK(creates[0].expires_in_s == 120);
  CHECK(creates[0].address == "https://hooks.example.com/webhooks/main/sms");
  CHECK(creates[0].verification_token ==
        webhook::DeriveVerificationToken(Secret("hook-secret"), "main", "sms"));
  auto r = f.Record();
  CHECK(r.remote_id == "sub-1");
  CHECK(r.status == "Active");
  CHECK(r.expires_at == f.clock.Now() + Seconds(120));
  CHECK(r.next_renewal_at == r.expires_at - Seconds(20));
  CHECK(f.Kinds() == std::vector<std::string>{"created"});
}

TEST_CASE("The stored expiry is the one the platform granted, not the one requested", "[renewal]") {
  Fixture f;
  f.platform.SetMaxTtl(60);
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  auto r = f.Record();
  CHECK(r.expires_at == f.clock.Now() + Seconds(60));
  CHECK(r.granted_ttl_s == 60);
  // threshold 40 > 60/2: the history says the reminder rules broke against the granted lifetime.
  auto history = f.store->ListHistory({}).value();
  CHECK(history.front().detail.find("granted lifetime 60s") != std::string::npos);
}

TEST_CASE("A reminder renews and records its trigger", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(85));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  auto r = f.Record();
  CHECK(r.remote_id == "sub-1");
  CHECK(r.expires_at == f.clock.Now() + Seconds(120));
  CHECK(r.last_trigger == "reminder");
  CHECK(f.platform.calls("renew") == 1);
  auto history = f.store->ListHistory({}).value();
  CHECK(history.front().kind == "renewed");
  CHECK(history.front().trigger == "reminder");
}

TEST_CASE("Renew answering 404 CMN-102 creates again at once", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto r = f.Record();
  CHECK(r.remote_id == "sub-2");
  CHECK(r.status == "Active");
  CHECK(f.Kinds() == std::vector<std::string>{"created", "expired", "recreated"});
}

TEST_CASE("A blacklisted subscription is deleted and created again", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.platform.SetStatus("sub-1", "Blacklisted", "Webhook responses with code: [503]");
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  auto all = f.platform.all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == "sub-2");
  CHECK(f.Record().remote_id == "sub-2");
  CHECK(f.Kinds() == std::vector<std::string>{"created", "blacklisted", "deleted", "recreated"});
  CHECK(f.store->ListHistory({}).value()[0].detail.find("Webhook responses with code") !=
        std::string::npos);
}

TEST_CASE("A transient failure keeps the subscription and retries with backoff before expiry",
          "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));
  f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, "CMN-211"));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto r = f.Record();
  CHECK(r.remote_id == "sub-1");
  CHECK(r.failures == 1);
  CHECK(r.last_error.find("HTTP 503") != std::string::npos);
  CHECK(r.next_renewal_at > f.clock.Now());
  CHECK(r.next_renewal_at < r.expires_at);
  f.clock.Advance(Seconds(2));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().failures == 0);
  CHECK(f.Record().last_error.empty());
}

TEST_CASE("A 429 retries only after Retry-After has passed", "[renewal]") {
  Fixture f;
  f.AddRecord();
  f.platform.FailNext("create", Status::ResourceExhausted("Request rate exceeded")
                                    .WithHttp(429, "CMN-301")
                                    .WithRetryAfter(Seconds(45)));
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  auto r = f.Record();
  CHECK(r.remote_id.empty());
  CHECK(r.next_renewal_at >= f.clock.Now() + Seconds(45));
}

TEST_CASE("A subscription whose lease is held elsewhere is not touched", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(
      f.store->TryAcquireLease("main", "sms", "other", f.clock.Now(), f.clock.Now() + Seconds(60))
          .value());
  CHECK(f.service.Run("main", "sms", Trigger::kTimer).code() == StatusCode::kAborted);
  CHECK(f.platform.total_calls() == 0);
  f.clock.Advance(Seconds(61));  // the other owner's lease expired
  CHECK(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.platform.calls("create") == 1);
}

TEST_CASE("The timer firing without a reminder marks the reminder path broken", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));  // window opened at 80 s, no reminder came
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().reminder_path_broken);
  CHECK(f.Record().last_trigger == "timer");
  f.clock.Advance(Seconds(85));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  CHECK_FALSE(f.Record().reminder_path_broken);
}

TEST_CASE("Direct subscriptions get no reminder filter", "[renewal]") {
  Fixture f;
  f.AddRecord("");
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  REQUIRE(f.platform.creates().size() == 1);
  CHECK(f.platform.creates()[0].event_filters.size() == 1);
  CHECK(f.Record().next_renewal_at == f.Record().expires_at - Seconds(30));
}

}  // namespace
}  // namespace subkeeper::renewal
