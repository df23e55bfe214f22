// The ConditionStore contract: transitions replaced per type, and deleted with their
// subscription. Runs against every implementation (registry.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

ConditionTransition Transition(std::string name, std::string type, bool status, int64_t ms) {
  return {"main", std::move(name),       std::move(type),
          status, status ? "Yes" : "No", FromUnixMillis(ms)};
}

STORE_CONTRACT_TEST("Condition transitions are replaced per type and go with their subscription",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  ConditionStore& conditions = *store;
  SubscriptionStore& subscriptions = *store;
  REQUIRE(subscriptions.PutSubscription(Minimal("sms"), std::nullopt).ok());
  REQUIRE(conditions
              .PutConditionTransitions({Transition("sms", "Ready", false, 1000),
                                        Transition("sms", "Renewing", false, 1000),
                                        Transition("fax", "Ready", true, 2000)})
              .ok());
  REQUIRE(conditions.PutConditionTransitions({Transition("sms", "Ready", true, 5000)}).ok());

  const SubscriptionKey key{"main", "sms"};
  auto own = conditions.ListConditionTransitions(&key);
  REQUIRE(own.ok());
  CHECK(*own == std::vector<ConditionTransition>{Transition("sms", "Ready", true, 5000),
                                                 Transition("sms", "Renewing", false, 1000)});
  auto all = conditions.ListConditionTransitions(nullptr);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  CHECK(all->front().name == "fax");

  REQUIRE(subscriptions.DeleteSubscription("main", "sms", std::nullopt).ok());
  own = conditions.ListConditionTransitions(&key);
  REQUIRE(own.ok());
  CHECK(own->empty());
}

}  // namespace
}  // namespace subkeeper::store::conformance
