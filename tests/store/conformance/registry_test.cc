// The conformance registry itself: every contract runs once per implementation, under a name and
// tag that say which.
#include "store/conformance/registry.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace subkeeper::store::conformance {
namespace {

TEST_CASE("Each contract test is registered once per store implementation", "[store]") {
  REQUIRE(ContractTestCount() > 0);
  REQUIRE_FALSE(StoreImplementations().empty());
  std::map<std::string, int> named;   // tests named "<implementation>: …"
  std::map<std::string, int> tagged;  // tests tagged [<implementation>]
  for (const Catch::TestCase& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    for (const StoreImplementation& implementation : StoreImplementations()) {
      const std::string prefix = std::string(implementation.name) + ": ";
      if (test.name.rfind(prefix, 0) == 0) ++named[implementation.name];
      for (const std::string& tag : test.tags) {
        if (tag == implementation.name) ++tagged[implementation.name];
      }
    }
  }
  for (const StoreImplementation& implementation : StoreImplementations()) {
    INFO(implementation.name);
    CHECK(named[implementation.name] == ContractTestCount());
    CHECK(tagged[implementation.name] == ContractTestCount());
  }
}

TEST_CASE("Every registered implementation opens an empty store", "[store]") {
  for (const StoreImplementation& implementation : StoreImplementations()) {
    INFO(implementation.name);
    ManualClock clock;
    auto store = OpenEmpty(implementation, clock);
    CHECK(store->ListSubscriptions().value().empty());
    CHECK(store->ListEvents("", "", std::nullopt, 0).value().empty());
    CHECK(store->LoadAccounts().value().empty());
    CHECK(store->ListConditionTransitions(nullptr).value().empty());
    CHECK(store->CheckWritable().ok());
  }
}

}  // namespace
}  // namespace subkeeper::store::conformance
