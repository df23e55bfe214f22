// Pure event-filter logic of the emulated platform: recognising the renewal-reminder filter,
// checking its rules against a subscription's lifetime, and rewriting `~` to numeric ids the
// way the platform does in SubscriptionInfo.eventFilters. No state, no time; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rcemu {

// A parsed "/restapi/v1.0/subscription/~?threshold=T&interval=I" filter.
struct ReminderFilter {
  std::string raw;  // verbatim, `~` included (this is also the reminder's `event`)
  int64_t threshold_s = 0;
  int64_t interval_s = 0;
};

// True when `filter` addresses the subscription-reminder resource ("/restapi/v1.0/subscription/~"
// with or without a query), whether or not its parameters are valid.
bool IsReminderFilter(std::string_view filter);

// Parses a reminder filter. nullopt when it is not a reminder filter or when threshold/interval
// are missing or not positive integers.
std::optional<ReminderFilter> ParseReminderFilter(std::string_view filter);

// The documented rules: T <= TTL/2, I <= T/2, T >= job interval, I >= job interval.
bool ReminderRulesHold(const ReminderFilter& reminder, int64_t ttl_s, int64_t job_interval_s);

// Replaces a `~` path segment that follows "account" with `account_id` and one that follows
// "extension" with `extension_id`. The query string and every other filter are left verbatim,
// so the reminder filter comes back unchanged.
std::string RewriteFilter(std::string_view filter, std::string_view account_id,
                          std::string_view extension_id);

// True for an absolute http:// or https:// URL with a non-empty host.
bool IsHttpUrl(std::string_view url);

}  // namespace rcemu
