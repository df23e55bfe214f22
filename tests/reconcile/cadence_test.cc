#include "subkeeper/reconcile/cadence.h"

#include <catch2/catch.hpp>
#include <random>

namespace subkeeper::reconcile {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);

// A fixed sequence of "random" values, repeated.
std::function<double()> Sequence(std::vector<double> values) {
  auto index = std::make_shared<size_t>(0);
  return [values = std::move(values), index] { return values[(*index)++ % values.size()]; };
}

std::function<double()> Seeded(unsigned seed) {
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

std::set<std::string> Accounts(int n) {
  std::set<std::string> accounts;
  for (int i = 0; i < n; ++i) accounts.insert("acct-" + std::to_string(i));
  return accounts;
}

TEST_CASE("New accounts are spread over the spread window and not all at once", "[reconcile]") {
  ReconcileCadence cadence({Seconds(900), Seconds(30)}, Seeded(7));
  cadence.SetAccounts(Accounts(1000), kNow, Seconds(600));
  REQUIRE(cadence.size() == 1000);
  std::set<WallTime> distinct;
  for (const auto& account : Accounts(1000)) {
    const WallTime at = cadence.DueAt(account).value();
    CHECK(at >= kNow);
    CHECK(at < kNow + Seconds(600));
    distinct.insert(at);
  }
  // Not the same second, nor clumped: most accounts have an instant of their own.
  CHECK(distinct.size() > 900);
  CHECK(cadence.Due(kNow + Seconds(60), 10000).size() < 200);
}

TEST_CASE("Without a spread new accounts are due at once", "[reconcile]") {
  ReconcileCadence cadence({}, Sequence({0.7}));
  cadence.SetAccounts({"a", "b"}, kNow, Seconds(0));
  CHECK(cadence.DueAt("a") == kNow);
  CHECK(cadence.Due(kNow, 10) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("A complete pass is followed by the interval with jitter in 0.9 to 1.1", "[reconcile]") {
  ReconcileCadence lowest({Seconds(1000), Seconds(30)}, Sequence({0.0}));
  lowest.SetAccounts({"a"}, kNow, Seconds(0));
  lowest.Done("a", true, kNow);
  CHECK(lowest.DueAt("a") == kNow + Seconds(900));

  ReconcileCadence highest({Seconds(1000), Seconds(30)}, Sequence({0.999999}));
  highest.SetAccounts({"a"}, kNow, Seconds(0));
  highest.Done("a", true, kNow);
  CHECK(highest.DueAt("a").value() < kNow + Seconds(1100));
  CHECK(highest.DueAt("a").value() > kNow + Seconds(1099));

  ReconcileCadence random({Seconds(1000), Seconds(30)}, Seeded(3));
  random.SetAccounts(Accounts(200), kNow, Seconds(0));
  std::set<WallTime> distinct;
  for (const auto& account : Accounts(200)) {
    random.Done(account, true, kNow);
    const WallTime at = random.DueAt(account).value();
    CHECK(at >= kNow + Seconds(900));
    CHECK(at < kNow + Seconds(1100));
    distinct.insert(at);
  }
  CHECK(distinct.size() > 150);
}

TEST_CASE("An incomplete pass is retried after the retry delay", "[reconcile]") {
  ReconcileCadence cadence({Seconds(900), Seconds(30)}, Sequence({0.5}));
  cadence.SetAccounts({"a"}, kNow, Seconds(0));
  cadence.Done("a", false, kNow);
  CHECK(cadence.DueAt("a") == kNow + Seconds(30));  // 0.9 + 0.5 × 0.2 = 1.0
  cadence.SetOptions({Seconds(900), Seconds(60)});
  CHECK(cadence.DueAt("a") == kNow + Seconds(30));  // due times already set are kept
  cadence.Done("a", false, kNow);
  CHECK(cadence.DueAt("a") == kNow + Seconds(60));
  cadence.Done("unknown", true, kNow);  // ignored
  CHECK_FALSE(cadence.DueAt("unknown"));
}

TEST_CASE("Expedite makes one account or every account due now", "[reconcile]") {
  ReconcileCadence cadence({Seconds(900), Seconds(30)}, Sequence({0.5}));
  cadence.SetAccounts({"a", "b", "c"}, kNow, Seconds(0));
  for (const char* account : {"a", "b", "c"}) cadence.Done(account, true, kNow);
  const WallTime later = kNow + Seconds(10);
  CHECK(cadence.Due(later, 10).empty());
  cadence.Expedite("b", later);
  CHECK(cadence.Due(later, 10) == std::vector<std::string>{"b"});
  CHECK(cadence.DueAt("a") == kNow + Seconds(900));
  cadence.Expedite("", later);
  CHECK(cadence.Due(later, 10) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("Accounts no longer listed are dropped and the others keep their due time",
          "[reconcile]") {
  ReconcileCadence cadence({Seconds(900), Seconds(30)}, Sequence({0.25, 0.75}));
  cadence.SetAccounts({"a", "b"}, kNow, Seconds(100));
  const auto a_due = cadence.DueAt("a");
  cadence.SetAccounts({"a", "c"}, kNow + Seconds(5), Seconds(100));
  CHECK(cadence.size() == 2);
  CHECK_FALSE(cadence.DueAt("b"));
  CHECK(cadence.DueAt("a") == a_due);
  CHECK(cadence.DueAt("c").value() >= kNow + Seconds(5));
  // The dropped account is in no queue any more.
  for (const auto& account : cadence.Due(kNow + Seconds(1000), 10)) CHECK(account != "b");
}

TEST_CASE("Due lists due accounts earliest first up to max and Next is the earliest",
          "[reconcile]") {
  ReconcileCadence cadence({Seconds(900), Seconds(30)}, Sequence({0.5}));
  CHECK_FALSE(cadence.Next());
  cadence.SetAccounts({"a", "b", "c", "d"}, kNow, Seconds(0));
  cadence.Done("a", true, kNow - Seconds(800));  // due at kNow + 100
  cadence.Done("c", false, kNow - Seconds(60));  // due at kNow - 30
  // b and d are due at kNow; ties go by name.
  CHECK(cadence.Due(kNow, 10) == std::vector<std::string>{"c", "b", "d"});
  CHECK(cadence.Due(kNow, 2) == std::vector<std::string>{"c", "b"});
  CHECK(cadence.Due(kNow - Seconds(31), 10).empty());
  CHECK(cadence.Next() == kNow - Seconds(30));
  for (const char* account : {"b", "c", "d"}) cadence.Done(account, true, kNow);
  CHECK(cadence.Next() == kNow + Seconds(100));
  CHECK(cadence.Due(kNow + Seconds(100), 10) == std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace subkeeper::reconcile
