#include "subkeeper/renewal/service.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "subkeeper/common/time_format.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/subscription/token.h"
#include "support/fake_platform.h"

namespace subkeeper::renewal {
namespace {

const std::string kReminder = "/restapi/v1.0/subscription/~?threshold=40&interval=10";
const subscription::ReminderSpec kReminderSpec{40, 10};  // kReminder

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
  // `reminder` nullopt: direct delivery.
  void AddRecord(const std::optional<subscription::ReminderSpec>& reminder = kReminderSpec,
                 const std::string& deliver_to = "") {
    store::SubscriptionRecord r;
    r.account = "main";
    r.name = "sms";
    r.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
    r.expires_in_s = 120;
    r.reminder = reminder;
    r.address = "https://hooks.example.com/webhooks/main/sms";
    r.deliver_to = deliver_to;
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  store::SubscriptionRecord Record() {
    return store->GetSubscription("main", "sms").value().value();
  }
  void AddRelayed() { AddRecord(kReminderSpec, "http://127.0.0.1:3000/events"); }
  // Every event queued for the app, in queue order.
  std::vector<store::EventRecord> Events() {
    return store->ListEvents("", "", std::nullopt, 0).value();
  }
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    auto history = store->ListHistory({}).value();
    for (auto it = history.rbegin(); it != history.rend(); ++it)
      kinds.emplace_back(store::HistoryKindText(it->kind));
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
        subscription::DeriveVerificationToken(Secret("hook-secret"), "main", "sms"));
  auto r = f.Record();
  CHECK(r.remote_id == "sub-1");
  CHECK(r.status.word() == "Active");
  CHECK(r.expires_at == f.clock.Now() + Seconds(120));
  // expires - threshold/2, spread earlier by unit_random (0.5) × 1/8 of those 20 s.
  CHECK(r.next_renewal_at == r.expires_at - Millis(21250));
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
  CHECK(r.last_trigger == subscription::RenewedBy::kReminder);
  CHECK(f.platform.calls("renew") == 1);
  auto history = f.store->ListHistory({}).value();
  CHECK(history.front().kind == store::HistoryKind::kRenewed);
  CHECK(history.front().trigger == subscription::RenewedBy::kReminder);
}

TEST_CASE("Renew answering 404 CMN-102 creates again at once", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto r = f.Record();
  CHECK(r.remote_id == "sub-2");
  CHECK(r.status.word() == "Active");
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

TEST_CASE("An account in auth_failed is not retried before its next login", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));
  // The token manager refuses locally until the next login attempt, 600 s away: past expiry.
  f.platform.FailNext(
      "renew",
      Status::Unauthenticated("account main: credentials rejected").WithRetryAfter(Seconds(600)));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto r = f.Record();
  CHECK(r.failures == 1);
  CHECK(r.next_renewal_at == f.clock.Now() + Seconds(601));
  // A 401 without retry_after is an ordinary transient failure: backoff, before expiry.
  f.platform.FailNext("renew", Status::Unauthenticated("expired token").WithHttp(401, "OAU-213"));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().next_renewal_at < f.Record().expires_at);
}

TEST_CASE("A renew refused for the Light budget near expiry renews by PUT instead", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));  // 20 s left; Retry-After 60 s would let it lapse
  f.platform.FailNext("renew", Status::ResourceExhausted("Request rate exceeded")
                                   .WithHttp(429, "CMN-301")
                                   .WithRetryAfter(Seconds(60)));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.platform.calls("renew") == 1);   // never a second renew inside the penalty
  CHECK(f.platform.calls("update") == 1);  // PUT is Medium: a budget of its own
  auto r = f.Record();
  CHECK(r.remote_id == "sub-1");
  CHECK(r.failures == 0);
  CHECK(r.expires_at == f.clock.Now() + Seconds(120));
  auto history = f.store->ListHistory({}).value();
  CHECK(history.front().kind == store::HistoryKind::kRenewed);
  CHECK(history.front().detail.find("by PUT") != std::string::npos);
}

TEST_CASE("A 429 retry is never moved before Retry-After to beat expiry", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));  // 20 s left
  f.platform.FailNext("renew", Status::ResourceExhausted("Request rate exceeded")
                                   .WithHttp(429, "CMN-301")
                                   .WithRetryAfter(Seconds(60)));
  // The PUT is refused too (Medium in a penalty as well): then waiting is all that is left.
  f.platform.FailNext("update", Status::ResourceExhausted("Request rate exceeded")
                                    .WithHttp(429, "CMN-301")
                                    .WithRetryAfter(Seconds(60)));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().next_renewal_at == f.clock.Now() + Seconds(61));
  CHECK(f.Record().failures == 1);
}

TEST_CASE("A Light refusal with time to spare waits for the penalty, no PUT", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(60));  // 60 s left; the penalty ends in 31
  f.platform.FailNext("renew", Status::ResourceExhausted("renewals used their budget"));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.platform.calls("update") == 0);
  CHECK(f.Record().next_renewal_at == f.clock.Now() + Seconds(31));
}

TEST_CASE("A reminder during the backoff after a 5xx does not cut it short", "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(85));  // inside the reminder window
  f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, "CMN-211"));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  const WallTime retry_at = f.Record().next_renewal_at;
  REQUIRE(retry_at > f.clock.Now());
  // The platform's next reminder arrives while the keeper waits out its backoff.
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.Record().failures == 1);
  CHECK(f.Record().next_renewal_at == retry_at);
  // Once the backoff is over, the retry renews.
  f.clock.Set(retry_at);
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.platform.calls("renew") == 2);
  CHECK(f.Record().failures == 0);
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
  CHECK(f.Record().last_trigger == subscription::RenewedBy::kTimer);
  f.clock.Advance(Seconds(85));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());
  CHECK_FALSE(f.Record().reminder_path_broken);
}

TEST_CASE("Direct subscriptions get no reminder filter", "[renewal]") {
  Fixture f;
  f.AddRecord(std::nullopt);
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  REQUIRE(f.platform.creates().size() == 1);
  CHECK(f.platform.creates()[0].event_filters.size() == 1);
  // 25% of 120 s, spread earlier by 0.5 × 1/8 of those 30 s.
  CHECK(f.Record().next_renewal_at == f.Record().expires_at - Millis(31875));
}

// ---- Lifecycle events queued for the app ----

nlohmann::json Data(const store::EventRecord& event) {
  return nlohmann::json::parse(event.body).at("data");
}
std::string Type(const store::EventRecord& event) {
  return nlohmann::json::parse(event.body).at("type");
}
std::string Iso(WallTime t) { return FormatIso8601(t); }

TEST_CASE("A purged subscription is recreated and the app told the window it was gone",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  const WallTime t0 = f.clock.Now();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(85));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());  // last renewal: t0+85
  auto r = f.Record();
  r.last_reminder_at = t0 + Seconds(90);  // as the scheduler records a later reminder
  REQUIRE(f.store->PutSubscription(r, std::nullopt).ok());
  f.clock.Advance(Seconds(15));
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());

  auto events = f.Events();
  REQUIRE(events.size() == 1);  // the first creation tells the app nothing
  const auto& e = events[0];
  CHECK(e.kind == store::EventKind::kLifecycle);
  CHECK(e.event == "subkeeper:recreated");
  CHECK(e.relay_state == store::RelayState::kPending);
  CHECK(e.subscription_id == "sub-2");
  CHECK(e.uuid.size() == 36);
  CHECK(e.uuid[14] == '4');
  CHECK(Type(e) == "subscription.recreated");
  auto data = Data(e);
  CHECK(data["subscriptionId"] == "sub-2");
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["inactiveFrom"] == Iso(t0 + Seconds(90)));
  CHECK(data["inactiveUntil"] == Iso(t0 + Seconds(100)));
  CHECK(data["reason"] == "the platform no longer had sub-1");
  CHECK_FALSE(data.contains("failures"));
}

TEST_CASE("The window never starts after the old subscription expired", "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  const WallTime t0 = f.clock.Now();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());  // expires t0+120
  auto r = f.Record();
  r.last_reminder_at = t0 + Seconds(125);  // a skewed clock: later than the expiry
  REQUIRE(f.store->PutSubscription(r, std::nullopt).ok());
  f.clock.Advance(Seconds(130));  // expired and gone on the platform
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  CHECK(Data(events[0])["inactiveFrom"] == Iso(t0 + Seconds(120)));
  CHECK(Data(events[0])["inactiveUntil"] == Iso(t0 + Seconds(130)));
}

TEST_CASE("A blacklisted subscription tells the app, then the recreation with its gap",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  const WallTime t0 = f.clock.Now();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.platform.SetStatus("sub-1", "Blacklisted", "Webhook responses with code: [503]");
  f.clock.Advance(Seconds(85));
  REQUIRE(f.service.Run("main", "sms", Trigger::kReminder).ok());

  auto events = f.Events();
  REQUIRE(events.size() == 2);
  CHECK(Type(events[0]) == "subscription.blacklisted");
  CHECK(events[0].subscription_id == "sub-1");
  CHECK(Data(events[0])["reason"] == "status Blacklisted: Webhook responses with code: [503]");
  CHECK(Type(events[1]) == "subscription.recreated");
  auto data = Data(events[1]);
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["subscriptionId"] == "sub-2");
  // The blacklisted answer renewed nothing: the last moment known active is the creation.
  CHECK(data["inactiveFrom"] == Iso(t0));
  CHECK(data["inactiveUntil"] == Iso(t0 + Seconds(85)));
  CHECK(events[0].uuid != events[1].uuid);
  CHECK(f.Record().last_renewed_at == t0 + Seconds(85));
}

TEST_CASE("A make-before-break recreation has no gap to backfill", "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(10));
  REQUIRE(f.service.Recreate("main", "sms", "address changed").ok());
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  auto data = Data(events[0]);
  CHECK(Type(events[0]) == "subscription.recreated");
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["subscriptionId"] == "sub-2");
  CHECK(data["reason"] == "address changed");
  CHECK_FALSE(data.contains("inactiveFrom"));
  CHECK_FALSE(data.contains("inactiveUntil"));
}

TEST_CASE("An update of a purged subscription recreates it with its gap", "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  const WallTime t0 = f.clock.Now();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(30));
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Update("main", "sms", "filters changed").ok());
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  auto data = Data(events[0]);
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["subscriptionId"] == "sub-2");
  CHECK(data["inactiveFrom"] == Iso(t0));
  CHECK(data["inactiveUntil"] == Iso(t0 + Seconds(30)));
}

TEST_CASE("A recreation retried after a failed create still names the old id and its gap",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  const WallTime t0 = f.clock.Now();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  f.clock.Advance(Seconds(100));
  f.platform.Purge("sub-1");
  f.platform.FailNext("create", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().remote_id.empty());
  CHECK(f.Events().empty());
  f.clock.Advance(Seconds(5));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());  // no live subscription: create
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  auto data = Data(events[0]);
  CHECK(data["previousSubscriptionId"] == "sub-1");
  CHECK(data["subscriptionId"] == "sub-2");
  CHECK(data["reason"] == "no live subscription");
  CHECK(data["inactiveFrom"] == Iso(t0));
  CHECK(data["inactiveUntil"] == Iso(t0 + Seconds(105)));
}

TEST_CASE("A reconcile's observed Blacklisted status replaces delete-first, never beside it",
          "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  // The platform blacklisted it; the record still says Active (no call has seen it since).
  f.platform.SetStatus("sub-1", "Blacklisted", "Webhook responses with code: [503]");
  REQUIRE(f.Record().status.word() == "Active");
  const auto observed = f.platform.all().front();

  // The delete fails: nothing is created beside the blacklisted one (a second subscription at
  // the same address, holding a second of the 30 slots), and the status is remembered.
  f.platform.FailNext("delete", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
  CHECK(f.service.Recreate("main", "sms", "status Blacklisted", &observed).ok());
  CHECK(f.platform.calls("create") == 1);
  CHECK(f.platform.all().size() == 1);
  CHECK(f.Record().status.word() == "Blacklisted");
  CHECK(f.Record().failures == 1);

  // The retry goes on with the replacement, without a renew that cannot revive it.
  const int renews = f.platform.calls("renew");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.platform.calls("renew") == renews);
  CHECK(f.platform.calls("create") == 2);
  REQUIRE(f.platform.all().size() == 1);
  CHECK(f.platform.all().front().status.word() == "Active");
  CHECK(f.Record().remote_id == f.platform.all().front().id);
  CHECK(f.Record().status.word() == "Active");
}

TEST_CASE("A subscription without deliver_to queues no lifecycle event", "[renewal][lifecycle]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  for (int i = 0; i < 3; ++i) {
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  }
  REQUIRE(f.Record().failures == 3);
  f.platform.SetStatus("sub-1", "Blacklisted", "Webhook responses with code: [503]");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  f.platform.Purge("sub-2");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().remote_id == "sub-3");
  CHECK(f.Kinds() == std::vector<std::string>{"created", "failed", "failed", "failed",
                                              "blacklisted", "deleted", "recreated", "expired",
                                              "recreated"});
  CHECK(f.Events().empty());
}

TEST_CASE("renewal_failing fires once at the threshold; renewal_recovered after it",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  const WallTime expires = f.Record().expires_at;
  auto fail = [&] {
    f.clock.Advance(Seconds(2));
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  };
  fail();
  fail();
  CHECK(f.Events().empty());
  fail();  // the threshold (3)
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "subkeeper:renewal_failing");
  CHECK(events[0].subscription_id == "sub-1");
  auto data = Data(events[0]);
  CHECK(data["failures"] == 3);
  CHECK(data["lastError"].get<std::string>().find("HTTP 503") != std::string::npos);
  CHECK(data["expiresAt"] == Iso(expires));
  fail();  // threshold + 1: the app already knows
  CHECK(f.Events().size() == 1);

  f.clock.Advance(Seconds(2));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  events = f.Events();
  REQUIRE(events.size() == 2);
  CHECK(Type(events[1]) == "subscription.renewal_recovered");
  CHECK(Data(events[1])["failures"] == 4);
  CHECK(Data(events[1])["subscriptionId"] == "sub-1");

  // A streak that stays below the threshold is not the app's concern, nor is its end.
  fail();
  fail();
  f.clock.Advance(Seconds(2));
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().failures == 0);
  CHECK(f.Events().size() == 2);
}

TEST_CASE("A recreation that ends a reported streak is followed by renewal_recovered",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  for (int i = 0; i < 3; ++i) {
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  }
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto events = f.Events();
  REQUIRE(events.size() == 3);
  CHECK(Type(events[0]) == "subscription.renewal_failing");
  CHECK(Type(events[1]) == "subscription.recreated");
  CHECK_FALSE(Data(events[1]).contains("failures"));
  CHECK(Type(events[2]) == "subscription.renewal_recovered");
  CHECK(Data(events[2])["failures"] == 3);
  CHECK(Data(events[2])["subscriptionId"] == f.Record().remote_id);
  CHECK(Data(events[2])["subscriptionId"] != "sub-1");
  // Both ride on the one history row of the recreation, queued in that order.
  CHECK(events[1].seq < events[2].seq);
  CHECK(events[1].received_at == events[2].received_at);

  // The next streak is reported afresh: the recovery reset it.
  for (int i = 0; i < 3; ++i) {
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  }
  events = f.Events();
  REQUIRE(events.size() == 4);
  CHECK(Type(events[3]) == "subscription.renewal_failing");
}

TEST_CASE("A recreation after a streak below the threshold sends no renewal_recovered",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  for (int i = 0; i < 2; ++i) {
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  }
  f.platform.Purge("sub-1");
  REQUIRE(f.service.Run("main", "sms", Trigger::kTimer).ok());
  auto events = f.Events();
  REQUIRE(events.size() == 1);
  CHECK(Type(events[0]) == "subscription.recreated");
}

TEST_CASE("A first creation after a reported streak of failed creates is a recovery",
          "[renewal][lifecycle]") {
  Fixture f;
  f.AddRelayed();
  for (int i = 0; i < 3; ++i) {
    f.platform.FailNext("create", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  }
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  auto events = f.Events();
  REQUIRE(events.size() == 2);
  CHECK(Type(events[0]) == "subscription.renewal_failing");
  CHECK(Data(events[0])["subscriptionId"] == "");
  CHECK_FALSE(Data(events[0]).contains("expiresAt"));  // nothing exists to lapse
  CHECK(Type(events[1]) == "subscription.renewal_recovered");
  CHECK(Data(events[1])["subscriptionId"] == "sub-1");
  CHECK(f.Kinds().back() == "created");
}

TEST_CASE("failure_events_after 0 never reports failures", "[renewal][lifecycle]") {
  Fixture f;
  auto options = Fixture::Options();
  options.failure_events_after = 0;
  RenewalService quiet{*f.store, f.platform, f.clock, options, [] { return 0.5; }};
  f.AddRelayed();
  REQUIRE(quiet.Run("main", "sms", Trigger::kStartup).ok());
  for (int i = 0; i < 5; ++i) {
    f.platform.FailNext("renew", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
    REQUIRE(quiet.Run("main", "sms", Trigger::kTimer).ok());
  }
  REQUIRE(quiet.Run("main", "sms", Trigger::kTimer).ok());
  CHECK(f.Record().failures == 0);
  CHECK(f.Events().empty());
}

}  // namespace
}  // namespace subkeeper::renewal
