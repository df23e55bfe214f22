// The controller on a ManualClock, an in-process emulated platform and an in-memory store: its
// ticks, its reload policy, its routes, and the admin view that reads through it.
#include "subkeeper/app/controller.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "app/admin_view.h"
#include "app/emulated_platform.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"
#include "support/fake_transport.h"
#include "support/forwarding_store.h"

namespace subkeeper::app {
namespace {

using testing::kServer;
constexpr char kPublicUrl[] = "http://keeper.test";
constexpr char kKey[] = "acme/orders";

// Counts the calls that write; owns the store it forwards to.
class CountingStore final : public testing::ForwardingStore {
 public:
  CountingStore(std::unique_ptr<store::Store> inner, int& writes)
      : ForwardingStore(*inner), inner_(std::move(inner)), writes_(writes) {}
  Status PutSubscription(const store::SubscriptionRecord& r,
                         const std::optional<store::HistoryEntry>& h) override {
    ++writes_;
    return ForwardingStore::PutSubscription(r, h);
  }
  Status AppendHistory(const store::HistoryEntry& e) override {
    ++writes_;
    return ForwardingStore::AppendHistory(e);
  }
  Status PutConditionTransitions(const std::vector<store::ConditionTransition>& t) override {
    ++writes_;
    return ForwardingStore::PutConditionTransitions(t);
  }
  Status SaveAccount(const platform::AccountSnapshot& a) override {
    ++writes_;
    return ForwardingStore::SaveAccount(a);
  }
  Status SaveRateBlock(const platform::RateBlock& b) override {
    ++writes_;
    return ForwardingStore::SaveRateBlock(b);
  }
  Status PutWebhookSecrets(const std::vector<Secret>& s) override {
    ++writes_;
    return ForwardingStore::PutWebhookSecrets(s);
  }

 private:
  std::unique_ptr<store::Store> inner_;
  int& writes_;
};

class RecordingHost final : public ControllerHost {
 public:
  void PauseRenewals() override { ++paused; }
  void ResumeRenewals() override { ++resumed; }
  void ConfigApplied(const config::Config& config) override { applied.push_back(config); }
  int paused = 0;
  int resumed = 0;
  std::vector<config::Config> applied;
};

config::Config MakeConfig(const std::string& webhook_secret = "webhook-secret-1") {
  return testing::EmulatedConfig(":memory:", webhook_secret);
}

struct Fixture {
  Fixture() {
    env.clock = &clock;
    env.platform = &platform;
    env.open_store = [this](const config::StoreConfig& where,
                            store::OpenMode mode) -> Result<std::unique_ptr<store::Store>> {
      SK_ASSIGN_OR_RETURN(auto inner, store::OpenSqliteStore(where.sqlite_path, clock, mode));
      return std::unique_ptr<store::Store>(
          std::make_unique<CountingStore>(std::move(inner), writes));
    };
    env.unit_random = [] { return 0.5; };
    env.lease_owner = "subkeeper@test";
  }
  // Open and Begin, as the daemon's start does.
  std::unique_ptr<Controller> Started(config::Config config = MakeConfig()) {
    auto controller =
        std::make_unique<Controller>(env, std::move(config), ControllerOptions{}, &host);
    REQUIRE(controller->Open().ok());
    controller->Begin(kPublicUrl);
    return controller;
  }

  ManualClock clock;
  testing::EmulatedPlatform platform{clock};
  RecordingHost host;
  int writes = 0;
  KeeperEnv env;
};

TEST_CASE("A tick runs the due start-up pass and publishes the routes it made", "[app]") {
  Fixture f;
  auto controller = f.Started();
  CHECK(f.host.applied.size() == 1);  // the relay follows the first config too
  CHECK(controller->routes().Find(kKey) == nullptr);
  CHECK(controller->State().startup_pending == 1);

  const WallTime next = controller->Tick(f.clock.Now(), 8);

  const ConfigState state = controller->State();
  CHECK(state.generation == 1);
  CHECK(state.passes == 1);
  CHECK(state.startup_pending == 0);
  CHECK(state.last_reconcile.find("(start-up) account acme: 1 action(s)") != std::string::npos);
  auto record = controller->store().GetSubscription("acme", "orders");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  auto route = controller->routes().Find(kKey);
  REQUIRE(route != nullptr);
  CHECK(route->remote_id == (*record)->remote_id);
  CHECK(route->verification_token ==
        subscription::DeriveVerificationToken(Secret("webhook-secret-1"), "acme", "orders"));
  CHECK(next > f.clock.Now());

  SECTION("nothing more is due until the next pass") {
    CHECK(controller->Tick(f.clock.Now(), 8) == next);
    CHECK(controller->State().passes == 1);
  }
  SECTION("the periodic pass runs when its time comes") {
    // Two reconcile intervals: past the next pass whatever its jitter.
    f.clock.Advance(Seconds(2 * MakeConfig().renewal.reconcile_interval_s));
    controller->Tick(f.clock.Now(), 8);
    CHECK(controller->State().passes == 2);
    CHECK(controller->State().last_reconcile.find("(periodic)") != std::string::npos);
  }
}

TEST_CASE("A reload that fails or changes a restart-only setting is refused", "[app]") {
  Fixture f;
  auto controller = f.Started();
  config::Config moved = MakeConfig();
  moved.listen.webhooks = "127.0.0.1:9999";

  CHECK_FALSE(controller->Reload(std::move(moved)));
  CHECK(controller->State().generation == 1);
  CHECK(controller->State().refused_reason == "listen.webhooks changed: that takes a restart");
  CHECK_FALSE(controller->Reload(Status::InvalidArgument("line 3: bad indentation")));
  CHECK(controller->State().refused_reason == "line 3: bad indentation");
  CHECK(f.host.paused == 0);
  CHECK(f.host.applied.size() == 1);

  SECTION("a later good one is applied and clears the refusal") {
    CHECK(controller->Reload(MakeConfig()));
    CHECK(controller->State().generation == 2);
    CHECK(controller->State().refused_reason.empty());
  }
}

TEST_CASE("An applied reload routes with the old secret until the reload pass replaced it",
          "[app]") {
  Fixture f;
  auto controller = f.Started();
  controller->Tick(f.clock.Now(), 8);
  const Secret old_token =
      subscription::DeriveVerificationToken(Secret("webhook-secret-1"), "acme", "orders");
  REQUIRE(controller->routes().Find(kKey)->verification_token == old_token);

  REQUIRE(controller->Reload(MakeConfig("webhook-secret-2")));
  CHECK(controller->State().generation == 2);
  CHECK(f.host.paused == 1);
  CHECK(f.host.resumed == 1);
  CHECK(f.host.applied.size() == 2);
  CHECK(controller->State().startup_pending == 1);
  CHECK(controller->routes().Find(kKey)->verification_token == old_token);

  controller->Tick(f.clock.Now(), 8);  // the reload pass is due at once
  CHECK(controller->State().last_reconcile.find("(reload)") != std::string::npos);
  CHECK(controller->routes().Find(kKey)->verification_token ==
        subscription::DeriveVerificationToken(Secret("webhook-secret-2"), "acme", "orders"));
}

TEST_CASE("A renewal request is taken only for a configured subscription", "[app]") {
  Fixture f;
  auto controller = f.Started();
  CHECK(controller->RequestRenewal("acme", "orders"));
  CHECK_FALSE(controller->RequestRenewal("acme", "unknown"));
  CHECK_FALSE(controller->ConfiguredLookup()("other", "orders"));
}

TEST_CASE("A condition that changes without a renewal keeps the time its change was first seen",
          "[app]") {
  Fixture f;
  auto controller = f.Started();
  controller->Tick(f.clock.Now(), 8);
  auto record = controller->store().GetSubscription("acme", "orders");
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  // The platform disabled a filter, as a reconcile's list would record it: no renewal settles.
  store::SubscriptionRecord changed = **record;
  changed.disabled_filters = {changed.event_filters.front()};
  REQUIRE(controller->store().PutSubscription(changed, std::nullopt).ok());

  auto filters_since = [&] {
    auto current = controller->store().GetSubscription("acme", "orders");
    REQUIRE(current.ok());
    const auto conditions = controller->ConditionsOf({**current});
    REQUIRE(conditions.size() == 1);
    for (const auto& c : conditions.front()) {
      if (c.type == "FiltersDisabled") {
        CHECK(c.status);
        return c.last_transition;
      }
    }
    FAIL("no FiltersDisabled condition");
    return WallTime{};
  };
  f.clock.Advance(Seconds(61));  // the sweep is due
  const WallTime seen = f.clock.Now();
  controller->Tick(seen, 8);
  f.clock.Advance(Seconds(30));
  CHECK(filters_since() == seen);
  f.clock.Advance(Seconds(30));
  CHECK(filters_since() == seen);
}

TEST_CASE("The admin view reads without writing to the store", "[app]") {
  Fixture f;
  auto controller = f.Started();
  controller->Tick(f.clock.Now(), 8);
  Metrics metrics;
  AdminView view(*controller, metrics, ShellStatus{});
  // Expired since: the Ready condition changed without a renewal settling, so its transition is
  // not stored yet; a read shows it and must still not store it.
  f.clock.Advance(Seconds(8 * 86400));
  const int writes = f.writes;

  const std::string all = view.SubscriptionsJson();
  const auto one = view.SubscriptionJson("acme", "orders");
  const std::string text = view.MetricsText();
  const auto readiness = view.GetReadiness();

  CHECK(f.writes == writes);
  CHECK(all.find("\"conditions\"") != std::string::npos);
  CHECK(all.find("\"generation\":1") != std::string::npos);
  CHECK(one.status == 200);
  CHECK(one.body.find("\"Ready\"") != std::string::npos);
  CHECK(view.SubscriptionJson("acme", "unknown").status == 404);
  CHECK_FALSE(text.empty());
  CHECK_FALSE(readiness.ready);  // no webhook listener in this shell
  CHECK(readiness.config_generation == 1);
}

}  // namespace
}  // namespace subkeeper::app
