#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "subkeeper/reconcile/planner.h"

namespace subkeeper::reconcile {
namespace {

const std::string kPresence = "/restapi/v1.0/account/~/extension/~/presence";
const std::string kReminder = "/restapi/v1.0/subscription/~?threshold=86400&interval=3600";

TEST_CASE("FilterMatches: ~ segments match the numeric ids the platform writes", "[planner]") {
  CHECK(FilterMatches(kPresence, kPresence));
  CHECK(FilterMatches(kPresence, "/restapi/v1.0/account/37439510/extension/2389034/presence"));
  CHECK(FilterMatches("/restapi/v1.0/account/~/extension/789/presence",
                      "/restapi/v1.0/account/37439510/extension/789/presence"));
  CHECK_FALSE(FilterMatches("/restapi/v1.0/account/~/extension/789/presence",
                            "/restapi/v1.0/account/37439510/extension/790/presence"));
}

TEST_CASE("FilterMatches: ~ matches only a non-empty numeric segment", "[planner]") {
  CHECK_FALSE(FilterMatches(kPresence, "/restapi/v1.0/account/abc/extension/1/presence"));
  CHECK_FALSE(FilterMatches(kPresence, "/restapi/v1.0/account//extension/1/presence"));
  CHECK_FALSE(FilterMatches(kPresence, "/restapi/v1.0/account/1/extension/1/presence/x"));
  CHECK_FALSE(FilterMatches(kPresence, "/restapi/v1.0/account/1/extension/presence"));
  // A rewrite only goes one way: a returned `~` does not stand for a requested number.
  CHECK_FALSE(FilterMatches("/restapi/v1.0/account/1/extension/1/presence", kPresence));
}

TEST_CASE("FilterMatches: query strings compare exactly", "[planner]") {
  const std::string sms = "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS";
  CHECK(FilterMatches(sms, "/restapi/v1.0/account/1/extension/2/message-store/instant?type=SMS"));
  CHECK_FALSE(
      FilterMatches(sms, "/restapi/v1.0/account/1/extension/2/message-store/instant?type=Fax"));
  CHECK_FALSE(FilterMatches(sms, "/restapi/v1.0/account/1/extension/2/message-store/instant"));
  CHECK_FALSE(FilterMatches("/restapi/v1.0/account/~/extension/~/message-store/instant",
                            "/restapi/v1.0/account/1/extension/2/message-store/instant?type=SMS"));
}

TEST_CASE("FilterMatches: the reminder filter returned verbatim matches itself", "[planner]") {
  CHECK(FilterMatches(kReminder, kReminder));
  CHECK_FALSE(
      FilterMatches(kReminder, "/restapi/v1.0/subscription/~?threshold=86400&interval=1800"));
}

TEST_CASE("FiltersMatch is order-insensitive and one to one", "[planner]") {
  const std::vector<std::string> requested = {kPresence, kReminder};
  CHECK(FiltersMatch(requested,
                     {kReminder, "/restapi/v1.0/account/37439510/extension/2389034/presence"}));
  CHECK(FiltersMatch({}, {}));
  CHECK_FALSE(FiltersMatch(requested, {kReminder}));
  CHECK_FALSE(FiltersMatch({kPresence}, {"/restapi/v1.0/account/1/extension/2/presence",
                                         "/restapi/v1.0/account/1/extension/3/presence"}));
  CHECK_FALSE(
      FiltersMatch({kPresence, kPresence}, {"/restapi/v1.0/account/1/extension/2/presence"}));
}

TEST_CASE("DiffFilters pairs filters by a maximum matching, not greedily", "[planner]") {
  // Greedy would give "/a/1/x" to "/a/~/x" and leave "/a/1/x" unpaired.
  const auto diff = DiffFilters({"/a/~/x", "/a/1/x"}, {"/a/1/x", "/a/2/x"});
  CHECK(diff.empty());
  CHECK(FiltersMatch({"/a/~/x", "/a/1/x"}, {"/a/1/x", "/a/2/x"}));
}

TEST_CASE("DiffFilters names what was added and removed", "[planner]") {
  const auto diff = DiffFilters({kPresence, "/restapi/v1.0/account/~/telephony/sessions"},
                                {"/restapi/v1.0/account/1/extension/2/presence",
                                 "/restapi/v1.0/account/1/extension/2/message-store"});
  CHECK(diff.added == std::vector<std::string>{"/restapi/v1.0/account/~/telephony/sessions"});
  CHECK(diff.removed ==
        std::vector<std::string>{"/restapi/v1.0/account/1/extension/2/message-store"});
}

}  // namespace
}  // namespace subkeeper::reconcile
