// The store conformance suite: every contract of the store roles (SubscriptionStore, HistoryLog,
// EventLog, ConditionStore, platform::AccountStateStore) is written once, against the
// interfaces, and runs once per registered implementation.
//
// Writing a contract test:
//
//   STORE_CONTRACT_TEST("Leases are taken, contended, expire and are released", "[store]") {
//     ManualClock clock;
//     auto store = OpenEmpty(implementation, clock);
//     SubscriptionStore& subscriptions = *store;
//     ...
//   }
//
// registers one Catch test case per implementation, named "<implementation>: <name>" and tagged
// [<implementation>] as well, so `ctest -R sqlite:` or `subkeeper_tests [postgres]` runs one.
//
// Registering an implementation: add one entry to StoreImplementations() in registry.cc — a
// name and a function that opens a new, empty store on the given clock. Tests that only make
// sense for one implementation (its files, migrations, query plans) live beside it, not here.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/store/store.h"

namespace subkeeper::store::conformance {

struct StoreImplementation {
  const char* name;  // short and unique: "sqlite"
  // A new store with no data in it, stamping times from `clock` (which outlives it). Called once
  // per test; each call must be isolated from every other (a fresh database or schema).
  Result<std::unique_ptr<Store>> (*open_empty)(const Clock& clock);
};

// Every implementation the suite runs against.
const std::vector<StoreImplementation>& StoreImplementations();

// A new, empty store of `implementation` on `clock`; fails the test when it cannot be opened.
std::unique_ptr<Store> OpenEmpty(const StoreImplementation& implementation, const Clock& clock);

using ContractTest = void (*)(const StoreImplementation& implementation);

// Registers `test` as one Catch test case per implementation (see the top of this file).
// Returns the number registered. Called during static initialisation by STORE_CONTRACT_TEST.
int RegisterContractTest(ContractTest test, const char* name, const char* tags,
                         const Catch::SourceLineInfo& line);

// How many contract tests were registered (each runs once per implementation).
int ContractTestCount();

}  // namespace subkeeper::store::conformance

#define SK_STORE_CONTRACT_TEST2(function, name, tags)                                 \
  static void function(const ::subkeeper::store::conformance::StoreImplementation&);  \
  [[maybe_unused]] static const int INTERNAL_CATCH_UNIQUE_NAME(store_contract_) =     \
      ::subkeeper::store::conformance::RegisterContractTest(&function, name, tags,    \
                                                            CATCH_INTERNAL_LINEINFO); \
  static void function(                                                               \
      [[maybe_unused]] const ::subkeeper::store::conformance::StoreImplementation& implementation)

// A contract test; its body sees `implementation` (const StoreImplementation&).
#define STORE_CONTRACT_TEST(name, tags) \
  SK_STORE_CONTRACT_TEST2(INTERNAL_CATCH_UNIQUE_NAME(store_contract_test_), name, tags)
