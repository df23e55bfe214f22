// No duplicate creates: a create whose answer was lost is adopted, never made twice.
#include <catch2/catch.hpp>
#include <set>

#include "subkeeper/renewal/service.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/fake_platform.h"

namespace subkeeper::renewal {
namespace {

const std::string kAddress = "https://hooks.example.com/webhooks/main/sms";

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
    return o;
  }
  void AddRecord(bool create_uncertain = false) {
    store::SubscriptionRecord r;
    r.account = "main";
    r.name = "sms";
    r.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
    r.expires_in_s = 120;
    r.reminder = subscription::ReminderSpec{40, 10};
    r.address = kAddress;
    r.create_uncertain = create_uncertain;
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  store::SubscriptionRecord Record() {
    return store->GetSubscription("main", "sms").value().value();
  }
  std::vector<store::HistoryEntry> History() {  // oldest first
    auto history = store->ListHistory({}).value();
    return {history.rbegin(), history.rend()};
  }
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    for (const auto& entry : History()) kinds.emplace_back(store::HistoryKindText(entry.kind));
    return kinds;
  }
  // Runs at the record's retry time.
  void RunAtRetry() {
    clock.Set(std::max(clock.Now(), Record().next_renewal_at));
    REQUIRE(service.Run("main", "sms", Trigger::kTimer).ok());
  }
};

Status Timeout() { return Status::DeadlineExceeded("POST /restapi/v1.0/subscription: timed out"); }

TEST_CASE("A create that succeeded on the platform but timed out is adopted not repeated",
          "[renewal]") {
  Fixture f;
  f.AddRecord();
  f.platform.LoseNextCreateAnswer(Timeout());
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  auto r = f.Record();
  CHECK(r.remote_id.empty());
  CHECK(r.create_uncertain);
  REQUIRE(f.platform.all().size() == 1);
  const std::string made = f.platform.all()[0].id;

  f.RunAtRetry();
  CHECK(f.platform.calls("create") == 1);
  CHECK(f.platform.calls("list") == 1);
  REQUIRE(f.platform.all().size() == 1);
  r = f.Record();
  CHECK(r.remote_id == made);
  CHECK(r.status.word() == "Active");
  CHECK_FALSE(r.create_uncertain);
  CHECK(r.failures == 0);
  CHECK(r.next_renewal_at > f.clock.Now());
  CHECK(f.Kinds() == std::vector<std::string>{"failed", "adopted"});
  const std::string detail = f.History().back().detail;
  CHECK(detail.find("earlier create") != std::string::npos);
  CHECK(detail.find("timed out") != std::string::npos);
  CHECK(f.History().back().remote_id == made);

  // Renewals after that need no list.
  f.RunAtRetry();
  CHECK(f.platform.calls("renew") == 1);
  CHECK(f.platform.calls("list") == 1);
}

TEST_CASE("The mark is persisted before the create is sent", "[renewal]") {
  Fixture f;
  f.AddRecord();
  // A create whose answer is lost as the process dies: the store already says uncertain.
  bool marked_before_send = false;
  struct Spy final : platform::SubscriptionApi {
    testing::FakePlatform& real;
    store::Store& store;
    bool& seen;
    Spy(testing::FakePlatform& p, store::Store& s, bool& b) : real(p), store(s), seen(b) {}
    Result<platform::RemoteSubscription> Create(const std::string& account,
                                                const platform::CreateRequest& request) override {
      seen = store.GetSubscription("main", "sms").value()->create_uncertain;
      return real.Create(account, request);
    }
    Result<std::vector<platform::RemoteSubscription>> List(const std::string& a) override {
      return real.List(a);
    }
    Result<platform::RemoteSubscription> Get(const std::string& a, const std::string& id) override {
      return real.Get(a, id);
    }
    Result<platform::RemoteSubscription> Update(const std::string& a, const std::string& id,
                                                const platform::UpdateRequest& r) override {
      return real.Update(a, id, r);
    }
    Result<platform::RemoteSubscription> Renew(const std::string& a,
                                               const std::string& id) override {
      return real.Renew(a, id);
    }
    Status Delete(const std::string& a, const std::string& id) override {
      return real.Delete(a, id);
    }
  } spy(f.platform, *f.store, marked_before_send);
  RenewalService service(*f.store, spy, f.clock, Fixture::Options(), [] { return 0.5; });
  REQUIRE(service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK(marked_before_send);
  CHECK_FALSE(f.Record().create_uncertain);  // answered: cleared
}

TEST_CASE("After a crash mid-create the next create adopts what it made", "[renewal]") {
  Fixture f;
  f.AddRecord(/*create_uncertain=*/true);
  const std::string made = f.platform.AddExisting("main", kAddress, 120);
  f.platform.AddExisting("main", "https://elsewhere.example.com/hook", 120);
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK(f.platform.calls("create") == 0);
  CHECK(f.Record().remote_id == made);
  CHECK(f.Kinds() == std::vector<std::string>{"adopted"});
}

TEST_CASE("Several subscriptions at the address keep the longest-lived and delete the rest",
          "[renewal]") {
  Fixture f;
  f.AddRecord(/*create_uncertain=*/true);
  const std::string shorter = f.platform.AddExisting("main", kAddress, 60);
  const std::string longest = f.platform.AddExisting("main", kAddress, 120);
  const std::string inactive = f.platform.AddExisting("main", kAddress, 300, "Blacklisted");
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK(f.Record().remote_id == longest);
  CHECK(f.platform.calls("delete") == 1);
  std::set<std::string> left;
  for (const auto& sub : f.platform.all()) left.insert(sub.id);
  // The blacklisted one is not adoptable; pruning it is the reconcile's job.
  CHECK(left == std::set<std::string>{longest, inactive});
  CHECK(f.Kinds() == std::vector<std::string>{"deleted", "adopted"});
  CHECK(f.History().front().remote_id == shorter);
  CHECK(f.History().back().detail.find("1 duplicate") != std::string::npos);
}

TEST_CASE("A 5xx create that made nothing is created once after the list", "[renewal]") {
  Fixture f;
  f.AddRecord();
  f.platform.FailNext("create", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK(f.Record().create_uncertain);
  f.RunAtRetry();
  CHECK(f.platform.calls("list") == 1);
  CHECK(f.platform.calls("create") == 2);
  CHECK(f.platform.all().size() == 1);
  CHECK_FALSE(f.Record().create_uncertain);
  CHECK(f.Kinds() == std::vector<std::string>{"failed", "created"});
}

TEST_CASE("A definite refusal clears the mark and the retry lists nothing", "[renewal]") {
  Fixture f;
  f.AddRecord();
  f.platform.FailNext("create", Status::InvalidArgument("Bad address").WithHttp(400, "SUB-523"));
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK_FALSE(f.Record().create_uncertain);
  f.RunAtRetry();
  CHECK(f.platform.calls("list") == 0);
  CHECK(f.platform.calls("create") == 2);
}

TEST_CASE("A failed list keeps the mark and sends no create", "[renewal]") {
  Fixture f;
  f.AddRecord(/*create_uncertain=*/true);
  f.platform.FailNext("list", Status::Unavailable("Service Unavailable").WithHttp(503, ""));
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  CHECK(f.platform.calls("create") == 0);
  auto r = f.Record();
  CHECK(r.create_uncertain);
  CHECK(r.failures == 1);
  CHECK(r.last_error.find("list before create") != std::string::npos);
  f.RunAtRetry();
  CHECK(f.platform.calls("create") == 1);
  CHECK(f.platform.all().size() == 1);
}

TEST_CASE("A lost make-before-break create never adopts the subscription it replaces",
          "[renewal]") {
  Fixture f;
  f.AddRecord();
  REQUIRE(f.service.Run("main", "sms", Trigger::kStartup).ok());
  const std::string old_id = f.Record().remote_id;
  // Same address (a rotated secret): the new one is made, its answer lost.
  f.clock.Advance(Seconds(10));
  f.platform.LoseNextCreateAnswer(Timeout());
  CHECK(f.service.Recreate("main", "sms", "verification token changed").code() ==
        StatusCode::kUnavailable);
  CHECK(f.Record().remote_id == old_id);
  CHECK(f.Record().create_uncertain);
  REQUIRE(f.platform.all().size() == 2);
  // Renewed after that, the old one outlives the new one, and still is not the one adopted.
  f.clock.Advance(Seconds(1));
  REQUIRE(f.service.Run("main", "sms", Trigger::kManual).ok());
  REQUIRE(f.Record().expires_at == f.clock.Now() + Seconds(120));
  // The retry adopts the new one and deletes the old one.
  REQUIRE(f.service.Recreate("main", "sms", "verification token changed").ok());
  CHECK(f.platform.calls("create") == 2);
  REQUIRE(f.platform.all().size() == 1);
  CHECK(f.platform.all()[0].id != old_id);
  CHECK(f.Record().remote_id == f.platform.all()[0].id);
}

}  // namespace
}  // namespace subkeeper::renewal
