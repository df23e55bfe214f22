#include "store/conformance/registry.h"

#include <iostream>
#include <string>

#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/pg_cluster.h"

namespace subkeeper::store::conformance {
namespace {

Result<std::unique_ptr<Store>> OpenEmptySqlite(const Clock& clock) {
  return OpenSqliteStore(":memory:", clock);
}

// A new database on the process's throwaway cluster (tests/support/pg_cluster.h).
Result<std::unique_ptr<Store>> OpenEmptyPostgres(const Clock& clock) {
  std::string why;
  testing::PgCluster* cluster = testing::PgCluster::Get(&why);
  if (cluster == nullptr) return Status::Unavailable("no PostgreSQL test cluster: " + why);
  const std::string conninfo = cluster->NewDatabase(&why);
  if (conninfo.empty()) return Status::Unavailable(why);
  return OpenPostgresStore(conninfo, clock);
}

// PostgreSQL runs when it is installed, and always under CI=true, where a missing one then fails
// every postgres test instead of skipping them. Elsewhere its tests are left out, and every
// test process says so.
bool WithPostgres() {
  std::string why;
  if (testing::PgCluster::Installed(&why) || testing::PgCluster::InCi()) return true;
  std::cerr << "SKIPPED: the store conformance tests against PostgreSQL: " << why << "\n";
  return false;
}

// The number of contract tests; written during static initialisation only (one thread).
int& ContractTests() {
  static int count = 0;
  return count;
}

// Runs one contract test against one implementation; owned by Catch's registry.
class ContractInvoker final : public Catch::ITestInvoker {
 public:
  ContractInvoker(ContractTest test, const StoreImplementation& implementation)
      : test_(test), implementation_(implementation) {}
  void invoke() const override { test_(implementation_); }

 private:
  ContractTest test_;
  const StoreImplementation& implementation_;
};

}  // namespace

const std::vector<StoreImplementation>& StoreImplementations() {
  static const std::vector<StoreImplementation> implementations = [] {
    std::vector<StoreImplementation> all = {{"sqlite", &OpenEmptySqlite}};
    if (WithPostgres()) all.push_back({"postgres", &OpenEmptyPostgres});
    return all;
  }();
  return implementations;
}

std::unique_ptr<Store> OpenEmpty(const StoreImplementation& implementation, const Clock& clock) {
  Result<std::unique_ptr<Store>> opened = implementation.open_empty(clock);
  INFO(implementation.name << ": " << opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

int RegisterContractTest(ContractTest test, const char* name, const char* tags,
                         const Catch::SourceLineInfo& line) {
  ++ContractTests();
  int registered = 0;
  for (const StoreImplementation& implementation : StoreImplementations()) {
    const std::string full_name = std::string(implementation.name) + ": " + name;
    const std::string full_tags = std::string(tags) + "[" + implementation.name + "]";
    // Catch copies the name and tags; it owns the invoker from here on.
    Catch::AutoReg(new ContractInvoker(test, implementation), line, Catch::StringRef(),
                   Catch::NameAndTags{full_name, full_tags});
    ++registered;
  }
  return registered;
}

int ContractTestCount() { return ContractTests(); }

}  // namespace subkeeper::store::conformance
