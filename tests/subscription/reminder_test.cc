#include "subkeeper/subscription/reminder.h"

#include <catch2/catch.hpp>

namespace subkeeper::subscription {
namespace {

TEST_CASE("ReminderFilter writes the documented filter", "[subscription]") {
  CHECK(ReminderFilter({60, 15}) == "/restapi/v1.0/subscription/~?threshold=60&interval=15");
  CHECK(ReminderFilter({86400, 3600}) ==
        "/restapi/v1.0/subscription/~?threshold=86400&interval=3600");
}

TEST_CASE("ParseReminderFilter round-trips and accepts only the exact format", "[subscription]") {
  auto spec = ParseReminderFilter("/restapi/v1.0/subscription/~?threshold=60&interval=15");
  REQUIRE(spec.has_value());
  CHECK(*spec == ReminderSpec{60, 15});
  CHECK(ParseReminderFilter(ReminderFilter({259200, 43200})) == ReminderSpec{259200, 43200});

  const char* rejected[] = {
      "",
      "/restapi/v1.0/subscription/~",
      "/restapi/v1.0/subscription/~?threshold=60",
      "/restapi/v1.0/subscription/~?interval=15&threshold=60",
      "/restapi/v1.0/subscription/~?threshold=0&interval=15",
      "/restapi/v1.0/subscription/~?threshold=60&interval=0",
      "/restapi/v1.0/subscription/~?threshold=-60&interval=15",
      "/restapi/v1.0/subscription/~?threshold=+60&interval=15",
      "/restapi/v1.0/subscription/~?threshold=060&interval=15",
      "/restapi/v1.0/subscription/~?threshold=60&interval=15&x=1",
      "/restapi/v1.0/subscription/~?threshold=60&interval=15 ",
      "/restapi/v1.0/subscription/~?threshold=6x&interval=15",
      "/restapi/v1.0/subscription/123?threshold=60&interval=15",
      "/restapi/v1.0/account/~/extension/~/presence",
      "/restapi/v1.0/subscription/~?threshold=99999999999999999999&interval=15",
  };
  for (const char* filter : rejected) {
    INFO(filter);
    CHECK_FALSE(ParseReminderFilter(filter).has_value());
  }
}

TEST_CASE("CheckReminderRules names each broken rule with its numbers", "[subscription]") {
  struct Case {
    int64_t ttl, threshold, interval, job;
    std::vector<std::string> problems;
  };
  const Case cases[] = {
      {604800, 86400, 3600, 5, {}},
      {120, 60, 30, 5, {}},  // both limits reached exactly
      {180, 80, 30, 5, {}},  // permahooks test mode
      {120, 61, 15, 5, {"threshold 61 must be <= expires_in/2 (60)"}},
      {120, 40, 21, 5, {"interval 21 must be <= threshold/2 (20)"}},
      {120, 40, 4, 5, {"interval 4 must be >= 5 (reminder_job_interval)"}},
      {120,
       4,
       2,
       5,
       {"threshold 4 must be >= 5 (reminder_job_interval)",
        "interval 2 must be >= 5 (reminder_job_interval)"}},
      {100,
       0,
       0,
       0,
       {"threshold 0 must be >= 1 (reminder_job_interval)",
        "interval 0 must be >= 1 (reminder_job_interval)"}},
      {10,
       90,
       60,
       5,
       {"threshold 90 must be <= expires_in/2 (5)", "interval 60 must be <= threshold/2 (45)"}},
  };
  for (const Case& c : cases) {
    INFO("ttl=" << c.ttl << " t=" << c.threshold << " i=" << c.interval);
    CHECK(CheckReminderRules(c.ttl, {c.threshold, c.interval}, c.job) == c.problems);
  }
}

TEST_CASE("DefaultReminder derives from the lifetime", "[subscription]") {
  CHECK(DefaultReminder(604800) == ReminderSpec{86400, 3600});
  CHECK(DefaultReminder(120) == ReminderSpec{30, 7});
  CHECK(DefaultReminder(3600) == ReminderSpec{900, 225});
  CHECK(DefaultReminder(315360000) == ReminderSpec{86400, 3600});
  // The default always satisfies the ratio rules.
  for (int64_t ttl : {40, 120, 3600, 86400, 604800, 315360000}) {
    INFO(ttl);
    CHECK(CheckReminderRules(ttl, DefaultReminder(ttl), 1).empty());
  }
}

}  // namespace
}  // namespace subkeeper::subscription
