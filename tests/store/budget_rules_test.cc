// The sliding log behind AccountStateStore::SpendRequest (src/store/budget_rules.h).
#include "store/budget_rules.h"

#include <catch2/catch.hpp>

namespace subkeeper::store {
namespace {

TEST_CASE("The spend log admits up to the limit in any window and says when the next fits",
          "[store]") {
  const Millis window(60'000);
  SpendDecision d = SpendFromLog({}, 3, window, 1'000);
  CHECK(d.spent);
  CHECK(d.sent == std::vector<int64_t>{1'000});
  d = SpendFromLog({1'000, 2'000}, 3, window, 3'000);
  CHECK(d.spent);
  d = SpendFromLog({1'000, 2'000, 3'000}, 3, window, 4'000);
  CHECK_FALSE(d.spent);
  CHECK(d.sent == std::vector<int64_t>{1'000, 2'000, 3'000});  // nothing recorded
  CHECK(d.wait == Millis(57'000));                             // when 1'000 leaves the window
  // An entry exactly one window old has left it.
  d = SpendFromLog({1'000, 2'000, 3'000}, 3, window, 61'000);
  CHECK(d.spent);
  CHECK(d.sent == std::vector<int64_t>{2'000, 3'000, 61'000});
  // A limit lowered below what the log holds waits for enough entries to leave.
  d = SpendFromLog({1'000, 2'000, 3'000}, 1, window, 4'000);
  CHECK_FALSE(d.spent);
  CHECK(d.wait == Millis(59'000));
  // Out of order entries (two keepers' clocks) are sorted first.
  d = SpendFromLog({3'000, 1'000}, 3, window, 5'000);
  CHECK(d.sent == std::vector<int64_t>{1'000, 3'000, 5'000});
}

}  // namespace
}  // namespace subkeeper::store
