#include "store/conformance/registry.h"

#include <string>

#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store::conformance {
namespace {

Result<std::unique_ptr<Store>> OpenEmptySqlite(const Clock& clock) {
  return OpenSqliteStore(":memory:", clock);
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
  // A second implementation adds its line here, e.g. {"postgres", OpenEmptyPostgres}, with an
  // opener that creates a fresh schema on a throwaway cluster.
  static const std::vector<StoreImplementation> implementations = {
      {"sqlite", &OpenEmptySqlite},
  };
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
