#include "subkeeper/reconcile/executor.h"

#include <catch2/catch.hpp>
#include <functional>

#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/fake_platform.h"

namespace subkeeper::reconcile {
namespace {

const std::string kPublic = "https://hooks.example.com";
const std::string kAddress = kPublic + "/webhooks/main/sms";

// The fake platform, with a hook that runs while a list call is in flight, before the platform
// takes its snapshot: what another thread does meanwhile.
class ListHook final : public platform::SubscriptionApi {
 public:
  explicit ListHook(testing::FakePlatform& platform) : platform_(platform) {}
  std::function<void()> during_list;

  Result<platform::RemoteSubscription> Create(const std::string& account,
                                              const platform::CreateRequest& request) override {
    return platform_.Create(account, request);
  }
  Result<std::vector<platform::RemoteSubscription>> List(const std::string& account) override {
    if (during_list) std::exchange(during_list, nullptr)();
    return platform_.List(account);
  }
  Result<platform::RemoteSubscription> Get(const std::string& account,
                                           const std::string& id) override {
    return platform_.Get(account, id);
  }
  Result<platform::RemoteSubscription> Update(const std::string& account, const std::string& id,
                                              const platform::UpdateRequest& request) override {
    return platform_.Update(account, id, request);
  }
  Result<platform::RemoteSubscription> Renew(const std::string& account,
                                             const std::string& id) override {
    return platform_.Renew(account, id);
  }
  Status Delete(const std::string& account, const std::string& id) override {
    return platform_.Delete(account, id);
  }

 private:
  testing::FakePlatform& platform_;
};

struct Fixture {
  ManualClock clock;
  testing::FakePlatform platform{clock};
  ListHook api{platform};
  std::unique_ptr<store::Store> store =
      std::move(store::OpenSqliteStore(":memory:", clock)).value();
  renewal::RenewalService service{*store, api, clock, Options(), [] { return 0.5; }};
  Executor executor{*store, api, service, clock};
  config::Config config;

  Fixture() {
    config.public_url = kPublic;
    config.webhook_secret = Secret("hook-secret");
    config.accounts.push_back({"main", Secret("jwt"), Secret()});
    config::SubscriptionConfig sub;
    sub.account = "main";
    sub.name = "sms";
    sub.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
    sub.expires_in_s = 120;
    sub.reminder = {40, 10};
    config.subscriptions.push_back(sub);
  }
  static renewal::ServiceOptions Options() {
    renewal::ServiceOptions o;
    o.owner = "keeper";
    o.webhook_secret = Secret("hook-secret");
    return o;
  }
  Planned Plan() {
    auto planned = PlanReconcile(config, kPublic, *store, api, clock.Now());
    REQUIRE(planned.ok());
    return std::move(planned).value();
  }
  ApplyReport Apply(const Planned& planned) {
    auto report = executor.Apply(planned);
    REQUIRE(report.ok());
    return std::move(report).value();
  }
  store::SubscriptionRecord Record() { return store->GetSubscription("main", "sms")->value(); }
  // Brought up by a first reconcile, as a keeper's first start does.
  std::string Started() {
    REQUIRE(Apply(Plan()).complete());
    REQUIRE(platform.calls("create") == 1);
    return Record().remote_id;
  }
  // The keeper was down longer than the subscription's lifetime: the platform dropped it.
  void DownPastExpiry() { clock.Advance(Seconds(600)); }
  size_t AtAddress() {
    size_t n = 0;
    for (const auto& sub : platform.all()) n += sub.address == kAddress;
    return n;
  }
};

TEST_CASE("A start-up plan overtaken by the timer's recreate creates nothing more", "[reconcile]") {
  Fixture f;
  const std::string first = f.Started();
  f.DownPastExpiry();
  // The start-up reconcile lists first (the old subscription is gone, nothing new yet)...
  Planned planned = f.Plan();
  REQUIRE(planned.plan.actions.size() == 1);
  REQUIRE(planned.plan.actions[0].kind == ActionKind::kCreate);
  // ...then the timer, due long ago, renews: 404, so it recreates.
  REQUIRE(f.service.Run("main", "sms", renewal::Trigger::kTimer).ok());
  const std::string second = f.Record().remote_id;
  REQUIRE(second != first);
  REQUIRE(f.platform.calls("create") == 2);

  const ApplyReport report = f.Apply(planned);
  CHECK(f.platform.calls("create") == 2);  // not a third
  CHECK(f.AtAddress() == 1);
  CHECK(f.Record().remote_id == second);
  CHECK(report.applied == 0);
  REQUIRE(report.skipped.size() == 1);
  CHECK(report.skipped[0].find("changed since it was observed") != std::string::npos);
  CHECK_FALSE(report.complete());  // so the keeper plans again soon, from a fresh list

  // The next pass sees the one subscription and has nothing to do.
  Planned again = f.Plan();
  CHECK(again.plan.actions.empty());
}

TEST_CASE(
    "A subscription the timer creates while the list is in flight is neither duplicated "
    "nor deleted",
    "[reconcile]") {
  Fixture f;
  const std::string first = f.Started();
  f.DownPastExpiry();
  // The store is read before the list; the timer recreates before the list answers, so the list
  // shows the new subscription as an unclaimed one at the record's address.
  f.api.during_list = [&] { REQUIRE(f.service.Run("main", "sms", renewal::Trigger::kTimer).ok()); };
  Planned planned = f.Plan();
  const std::string second = f.Record().remote_id;
  REQUIRE(second != first);
  REQUIRE(f.platform.calls("create") == 2);

  const ApplyReport report = f.Apply(planned);
  CHECK(f.platform.calls("create") == 2);
  CHECK(f.platform.calls("delete") == 0);
  CHECK(f.AtAddress() == 1);
  CHECK(f.Record().remote_id == second);
  CHECK(report.errors.empty());
  CHECK_FALSE(report.skipped.empty());
}

TEST_CASE("A purge during start-up is recreated once, by whichever path gets there first",
          "[reconcile]") {
  Fixture f;
  const std::string first = f.Started();
  f.clock.Advance(Seconds(100));  // renewal due, not expired: the plan renews
  Planned planned = f.Plan();
  REQUIRE(planned.plan.actions.size() == 1);
  REQUIRE(planned.plan.actions[0].kind == ActionKind::kRenew);
  f.platform.Purge(first);
  REQUIRE(f.service.Run("main", "sms", renewal::Trigger::kTimer).ok());  // 404 → recreate
  REQUIRE(f.platform.calls("create") == 2);

  const ApplyReport report = f.Apply(planned);
  CHECK(f.platform.calls("create") == 2);
  CHECK(f.platform.calls("renew") == 1);  // the timer's; the plan's renew of `first` is dropped
  CHECK(f.AtAddress() == 1);
  CHECK(report.skipped.size() == 1);
}

TEST_CASE("An adoption overtaken by a create is dropped", "[reconcile]") {
  Fixture f;
  // A lost database: the platform has a subscription at the address, the store nothing.
  const std::string existing = f.platform.AddExisting("main", kAddress, 120);
  Planned planned = f.Plan();
  REQUIRE_FALSE(planned.plan.actions.empty());
  REQUIRE(planned.plan.actions[0].kind == ActionKind::kAdopt);  // then an update of its filters
  // Meanwhile the record got a subscription of its own (another pass, a manual renew).
  store::SubscriptionRecord record =
      DesiredRecord(f.config.subscriptions[0], kPublic, f.config.webhook_secret);
  record.remote_id = "sub-made-meanwhile";
  REQUIRE(f.store->PutSubscription(record, std::nullopt).ok());

  const ApplyReport report = f.Apply(planned);
  CHECK(f.Record().remote_id == "sub-made-meanwhile");
  CHECK(report.applied == 0);
  CHECK(report.skipped.size() == planned.plan.actions.size());
  CHECK(f.platform.calls("update") == 0);
}

TEST_CASE("A new definition is not written over a renewal in flight", "[reconcile]") {
  Fixture f;
  f.Started();
  f.config.subscriptions[0].event_filters.push_back("/restapi/v1.0/account/~/telephony/sessions");
  Planned planned = f.Plan();
  REQUIRE(planned.plan.actions.size() == 1);
  REQUIRE(planned.plan.actions[0].kind == ActionKind::kUpdate);
  // Another owner (a renewal on the scheduler thread) holds the lease.
  REQUIRE(
      f.store
          ->TryAcquireLease("main", "sms", "scheduler", f.clock.Now(), f.clock.Now() + Seconds(60))
          .value());
  const ApplyReport report = f.Apply(planned);
  CHECK(f.platform.calls("update") == 0);
  CHECK(f.Record().event_filters.size() == 1);  // the old definition, untouched
  CHECK(report.skipped.size() == 2);            // the definition and the update

  REQUIRE(f.store->ReleaseLease("main", "sms", "scheduler").ok());
  CHECK(f.Apply(f.Plan()).complete());
  CHECK(f.platform.calls("update") == 1);
  CHECK(f.Record().event_filters.size() == 2);
}

}  // namespace
}  // namespace subkeeper::reconcile
