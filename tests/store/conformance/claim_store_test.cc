// The ClaimStore contract: claims taken, contended, extended, lapsed, released, and the fence on
// account writes. Every time is passed in, so nothing sleeps. Runs against every
// implementation (registry.h).
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "store/conformance/fixtures.h"
#include "store/conformance/registry.h"

namespace subkeeper::store::conformance {
namespace {

using std::chrono::seconds;

const WallTime kT0 = At(1'700'000'000'000);

STORE_CONTRACT_TEST("A claim is taken, contended, extended and lapses", "[store][claims]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  ClaimStore& claims = *store;

  auto a = claims.TryClaimAccount("main", "replica-a", kT0, kT0 + seconds(30));
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->owner == "replica-a");
  CHECK((*a)->epoch == 1);
  CHECK((*a)->until == kT0 + seconds(30));

  // Live and someone else's: refused, and nothing changed.
  auto b = claims.TryClaimAccount("main", "replica-b", kT0 + seconds(29), kT0 + seconds(59));
  REQUIRE(b.ok());
  CHECK_FALSE(b->has_value());

  // The holder claiming again extends, with the same epoch.
  auto again = claims.TryClaimAccount("main", "replica-a", kT0 + seconds(10), kT0 + seconds(40));
  REQUIRE(again.ok());
  REQUIRE(again->has_value());
  CHECK((*again)->epoch == 1);
  CHECK((*again)->until == kT0 + seconds(40));
  auto extended = claims.ExtendClaim("main", 1, kT0 + seconds(20), kT0 + seconds(50));
  REQUIRE(extended.ok());
  CHECK(*extended);

  // Lapsed (until <= now): another owner takes it with the next epoch, and the old holder can
  // no longer extend it.
  auto taken = claims.TryClaimAccount("main", "replica-b", kT0 + seconds(50), kT0 + seconds(80));
  REQUIRE(taken.ok());
  REQUIRE(taken->has_value());
  CHECK((*taken)->owner == "replica-b");
  CHECK((*taken)->epoch == 2);
  auto stale = claims.ExtendClaim("main", 1, kT0 + seconds(51), kT0 + seconds(90));
  REQUIRE(stale.ok());
  CHECK_FALSE(*stale);

  // Accounts are independent.
  auto other = claims.TryClaimAccount("sales", "replica-a", kT0 + seconds(51), kT0 + seconds(81));
  REQUIRE(other.ok());
  REQUIRE(other->has_value());
  CHECK((*other)->epoch == 1);

  auto listed = claims.ListClaims();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].account == "main");
  CHECK((*listed)[0].owner == "replica-b");
  CHECK((*listed)[0].epoch == 2);
  CHECK((*listed)[0].until == kT0 + seconds(80));
  CHECK((*listed)[1].account == "sales");
}

STORE_CONTRACT_TEST("A released claim is free at once and its epoch is never reused",
                    "[store][claims]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  ClaimStore& claims = *store;
  auto a = claims.TryClaimAccount("main", "replica-a", kT0, kT0 + seconds(30));
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  // A release with a stale epoch does nothing.
  REQUIRE(claims.ReleaseClaim("main", 7).ok());
  auto blocked = claims.TryClaimAccount("main", "replica-b", kT0 + seconds(1), kT0 + seconds(31));
  REQUIRE(blocked.ok());
  CHECK_FALSE(blocked->has_value());

  REQUIRE(claims.ReleaseClaim("main", 1).ok());
  auto b = claims.TryClaimAccount("main", "replica-b", kT0 + seconds(2), kT0 + seconds(32));
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->epoch == 2);
  // The same owner after its own claim lapsed is a new holder too: a new epoch.
  auto back = claims.TryClaimAccount("main", "replica-b", kT0 + seconds(40), kT0 + seconds(70));
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK((*back)->epoch == 3);
  auto released_extend = claims.ExtendClaim("main", 2, kT0 + seconds(41), kT0 + seconds(71));
  REQUIRE(released_extend.ok());
  CHECK_FALSE(*released_extend);
}

STORE_CONTRACT_TEST("A claim request without an account, an owner or a future end is refused",
                    "[store][claims]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  ClaimStore& claims = *store;
  CHECK(claims.TryClaimAccount("", "r", kT0, kT0 + seconds(1)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(claims.TryClaimAccount("main", "", kT0, kT0 + seconds(1)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(claims.TryClaimAccount("main", "r", kT0, kT0).status().code() ==
        StatusCode::kInvalidArgument);
  auto listed = claims.ListClaims();
  REQUIRE(listed.ok());
  CHECK(listed->empty());
}

STORE_CONTRACT_TEST("A fenced account write lands only under the current epoch",
                    "[store][claims]") {
  ManualClock clock;
  auto store = OpenEmpty(implementation, clock);
  ClaimStore& claims = *store;
  platform::AccountSnapshot first = FullAccount();
  auto a = claims.TryClaimAccount(first.account, "replica-a", kT0, kT0 + seconds(30));
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  auto saved = claims.SaveAccountFenced(first, 1);
  REQUIRE(saved.ok());
  CHECK(*saved);

  // replica-a pauses past its claim; replica-b takes over and saves the pair it refreshed.
  auto b = claims.TryClaimAccount(first.account, "replica-b", kT0 + seconds(31), kT0 + seconds(61));
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  platform::AccountSnapshot newer = first;
  newer.refresh_token = Secret("refresh-from-replica-b");
  auto by_b = claims.SaveAccountFenced(newer, 2);
  REQUIRE(by_b.ok());
  CHECK(*by_b);

  // replica-a wakes up with its older pair: the fence refuses it and replica-b's pair stays.
  platform::AccountSnapshot stale = first;
  stale.refresh_token = Secret("refresh-from-replica-a");
  auto by_a = claims.SaveAccountFenced(stale, 1);
  REQUIRE(by_a.ok());
  CHECK_FALSE(*by_a);
  auto kept = SavedAccount(*store, first.account);
  REQUIRE(kept.has_value());
  CHECK(kept->refresh_token.Reveal() == "refresh-from-replica-b");

  // An account never claimed has epoch 0: only a write naming 0 lands.
  platform::AccountSnapshot unclaimed = first;
  unclaimed.account = "sales";
  auto refused = claims.SaveAccountFenced(unclaimed, 1);
  REQUIRE(refused.ok());
  CHECK_FALSE(*refused);
  CHECK_FALSE(SavedAccount(*store, "sales").has_value());
}

}  // namespace
}  // namespace subkeeper::store::conformance
