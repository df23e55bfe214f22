#include "subkeeper/reconcile/reconcile.h"

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
    config.public_url = kPublic;
    config.webhook_secret = Secret("hook-secret");
    for (const char* account : {"a", "b", "c"}) {
      config.accounts.push_back({account, Secret("jwt"), Secret()});
      config::SubscriptionConfig sub;
      sub.account = account;
      sub.name = "sms";
      sub.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
      sub.expires_in_s = 3600;
      sub.reminder = {600, 60};
      config.subscriptions.push_back(sub);
    }
  }
  // A record the config no longer names.
  void AddStale(const std::string& account, const std::string& name) {
    store::SubscriptionRecord r;
    r.account = account;
    r.name = name;
    r.address = kPublic + "/webhooks/" + account + "/" + name;
    REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  }
  std::set<std::string> Planned(const Planned& planned) {
    std::set<std::string> out;
    for (const auto& action : planned.plan.actions) {
      out.insert(std::string(ActionKindName(action.kind)) + " " + action.account + "/" +
                 action.name);
    }
    return out;
  }
};

TEST_CASE("A subset pass lists and plans only its accounts", "[reconcile]") {
  Fixture f;
  f.AddStale("b", "old");
  f.AddStale("gone", "sms");  // an account removed from the config
  const std::set<std::string> subset{"b"};
  auto planned = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &subset);
  REQUIRE(planned.ok());
  CHECK(f.platform.calls("list") == 1);
  CHECK(planned->observed.size() == 1);
  CHECK(planned->observed.count("b") == 1);
  REQUIRE(planned->desired.size() == 1);
  CHECK(planned->desired[0].account == "b");
  // The removed name of a listed account is forgotten; the removed account waits for a full pass.
  CHECK(f.Planned(*planned) == std::set<std::string>{"create b/sms", "forget b/old"});
  CHECK(planned->plan.unavailable_accounts.empty());
}

TEST_CASE("IndexByAccount lists every account with its subscriptions in order", "[reconcile]") {
  Fixture f;
  f.config.accounts.push_back({"empty", Secret("jwt"), Secret()});
  config::SubscriptionConfig second = f.config.subscriptions[1];
  second.name = "presence";
  f.config.subscriptions.push_back(second);  // a second one of account "b", index 3
  const AccountIndex index = IndexByAccount(f.config);
  CHECK(index.size() == 4);
  CHECK(index.at("a") == std::vector<size_t>{0});
  CHECK(index.at("b") == std::vector<size_t>{1, 3});
  CHECK(index.at("empty").empty());
}

TEST_CASE("An indexed subset pass plans exactly what the unindexed one plans", "[reconcile]") {
  Fixture f;
  f.AddStale("b", "old");
  f.AddStale("gone", "sms");
  const AccountIndex index = IndexByAccount(f.config);
  for (const std::set<std::string>& subset :
       {std::set<std::string>{"b"}, std::set<std::string>{"a", "gone"}}) {
    auto plain = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &subset);
    auto indexed =
        PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &subset, &index);
    REQUIRE(plain.ok());
    REQUIRE(indexed.ok());
    CHECK(plain->plan.actions == indexed->plan.actions);
    CHECK(plain->desired.size() == indexed->desired.size());
    CHECK(plain->observed.size() == indexed->observed.size());
  }
}

TEST_CASE("A full pass lists every account and forgets removed accounts", "[reconcile]") {
  Fixture f;
  f.AddStale("gone", "sms");
  auto planned = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now());
  REQUIRE(planned.ok());
  CHECK(f.platform.calls("list") == 3);
  CHECK(f.Planned(*planned) ==
        std::set<std::string>{"create a/sms", "create b/sms", "create c/sms", "forget gone/sms"});
}

TEST_CASE("A subset naming removed accounts forgets them without listing", "[reconcile]") {
  Fixture f;
  f.AddStale("gone", "sms");
  f.AddStale("also-gone", "sms");
  const std::set<std::string> subset{"gone"};
  auto planned = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &subset);
  REQUIRE(planned.ok());
  CHECK(f.platform.calls("list") == 0);
  CHECK(planned->desired.empty());
  CHECK(f.Planned(*planned) == std::set<std::string>{"forget gone/sms"});
}

TEST_CASE("A subset pass leaves other accounts' subscriptions alone", "[reconcile]") {
  Fixture f;
  // An owned subscription of account a that nothing claims would be pruned by a pass over a.
  f.platform.AddExisting("a", kPublic + "/webhooks/a/extra", 3600);
  const std::set<std::string> subset{"b"};
  auto planned = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &subset);
  REQUIRE(planned.ok());
  for (const auto& action : planned->plan.actions) CHECK(action.account == "b");
  const std::set<std::string> just_a{"a"};
  planned = PlanReconcile(f.config, kPublic, *f.store, f.platform, f.clock.Now(), &just_a);
  REQUIRE(planned.ok());
  CHECK(f.Planned(*planned) == std::set<std::string>{"create a/sms", "delete a/"});
}

}  // namespace
}  // namespace subkeeper::reconcile
