// The platform::AccountStateStore contract as the store implements it: account snapshots and
// rate-limit blocks. Runs against every implementation (registry.h).
#include <catch2/catch.hpp>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

using platform::AccountSnapshot;
using platform::RateBlock;
using std::chrono::minutes;

STORE_CONTRACT_TEST("Every account field round-trips", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  platform::AccountStateStore& accounts = *store;
  AccountSnapshot expected = FullAccount();
  expected.updated_at = clock.Now();
  CHECK_FALSE(SavedAccount(accounts, "main").has_value());
  REQUIRE(accounts.SaveAccount(FullAccount()).ok());
  const auto got = SavedAccount(accounts, "main");
  REQUIRE(got.has_value());
  CHECK(got->access_token.Reveal() == expected.access_token.Reveal());
  CHECK(got->refresh_token.Reveal() == expected.refresh_token.Reveal());
  CHECK(got->next_login_at == expected.next_login_at);
  CHECK(got->updated_at == expected.updated_at);
  CHECK(SameAccount(*got, expected));
}

STORE_CONTRACT_TEST("SaveAccount replaces the snapshot and LoadAccounts is ordered", "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  platform::AccountStateStore& accounts = *store;
  AccountSnapshot other;
  other.account = "zeta";
  other.state = platform::CredentialState::kReady;
  REQUIRE(accounts.SaveAccount(other).ok());
  REQUIRE(accounts.SaveAccount(FullAccount()).ok());
  clock.Advance(minutes(1));
  AccountSnapshot cleared;  // a later write clears what it leaves empty
  cleared.account = "main";
  cleared.state = platform::CredentialState::kReady;
  REQUIRE(accounts.SaveAccount(cleared).ok());

  const auto all = accounts.LoadAccounts();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  const AccountSnapshot& main = (*all)[0];
  CHECK(main.account == "main");
  CHECK(main.state == platform::CredentialState::kReady);
  CHECK(main.access_token.empty());
  CHECK(main.refresh_token.empty());
  CHECK(main.auth_failures == 0);
  CHECK(main.next_login_at == WallTime{});
  CHECK(main.updated_at == clock.Now());
  CHECK((*all)[1].account == "zeta");
  CHECK(accounts.SaveAccount(AccountSnapshot{}).code() == StatusCode::kInvalidArgument);
}

STORE_CONTRACT_TEST("Rate blocks are listed while in force and replaced per account and group",
                    "[store]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  platform::AccountStateStore& accounts = *store;
  const int64_t now = ToUnixMillis(clock.Now());
  REQUIRE(accounts.SaveRateBlock({"main", platform::RateGroup::kHeavy, At(now + 60'000)}).ok());
  REQUIRE(accounts.SaveRateBlock({"main", platform::RateGroup::kAuth, At(now + 30'000)}).ok());
  REQUIRE(accounts.SaveRateBlock({"east", platform::RateGroup::kLight, At(now + 10'000)}).ok());

  CHECK(accounts.LoadRateBlocks(At(now)).value() ==
        std::vector<RateBlock>{{"east", platform::RateGroup::kLight, At(now + 10'000)},
                               {"main", platform::RateGroup::kAuth, At(now + 30'000)},
                               {"main", platform::RateGroup::kHeavy, At(now + 60'000)}});
  // until > now: a block ending exactly now is over.
  CHECK(accounts.LoadRateBlocks(At(now + 30'000)).value() ==
        std::vector<RateBlock>{{"main", platform::RateGroup::kHeavy, At(now + 60'000)}});

  // A new penalty replaces the old one, shorter or longer.
  REQUIRE(accounts.SaveRateBlock({"main", platform::RateGroup::kHeavy, At(now + 5'000)}).ok());
  CHECK(accounts.LoadRateBlocks(At(now + 6'000)).value() ==
        std::vector<RateBlock>{{"east", platform::RateGroup::kLight, At(now + 10'000)},
                               {"main", platform::RateGroup::kAuth, At(now + 30'000)}});
  // (A group cannot be missing: it is a RateGroup.)
  CHECK(accounts.SaveRateBlock({"", platform::RateGroup::kHeavy, At(now)}).code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace subkeeper::store::conformance
