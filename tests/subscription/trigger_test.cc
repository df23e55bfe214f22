#include "subkeeper/subscription/trigger.h"

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper::subscription {
namespace {

TEST_CASE("what renewed a subscription is written as the text the store and status use",
          "[subscription]") {
  CHECK(RenewedByText(RenewedBy::kNone).empty());
  CHECK(RenewedByText(RenewedBy::kReminder) == "reminder");
  CHECK(RenewedByText(RenewedBy::kTimer) == "timer");
  CHECK(RenewedByText(RenewedBy::kManual) == "manual");
  CHECK(RenewedByText(RenewedBy::kStartup) == "startup");
  CHECK(RenewedByText(RenewedBy::kCreate) == "create");
  CHECK(RenewedByText(RenewedBy::kAdopt) == "adopt");
  CHECK(RenewedByText(RenewedBy::kUpdate) == "update");
}

TEST_CASE("every text reads back as its value and nothing else parses", "[subscription]") {
  for (RenewedBy by :
       {RenewedBy::kNone, RenewedBy::kReminder, RenewedBy::kTimer, RenewedBy::kManual,
        RenewedBy::kStartup, RenewedBy::kCreate, RenewedBy::kAdopt, RenewedBy::kUpdate}) {
    CHECK(ParseRenewedBy(RenewedByText(by)) == by);
  }
  CHECK_FALSE(ParseRenewedBy("Reminder").has_value());
  CHECK_FALSE(ParseRenewedBy("adopted").has_value());
  CHECK_FALSE(ParseRenewedBy(" timer").has_value());
}

}  // namespace
}  // namespace subkeeper::subscription
