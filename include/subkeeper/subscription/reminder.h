// The reminder a relayed subscription asks the platform for, and its rules. Pure functions, used
// at config load and again against the lifetime the platform actually granted. In memory a
// reminder is a ReminderSpec; its filter string is made only where it meets the platform (the
// create request, the stored column, the incoming reminder's `event`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace subkeeper::subscription {

inline constexpr int64_t kMaxExpiresIn = 315360000;     // 10 years, the spec's WebHook maximum
inline constexpr int kMaxSubscriptionsPerAccount = 30;  // SUB-505 above it

// Reminder filter parameters, in seconds. The filter added to a relayed subscription is
// "/restapi/v1.0/subscription/~?threshold=<threshold_s>&interval=<interval_s>".
struct ReminderSpec {
  int64_t threshold_s = 0;  // seconds before expiry at which reminders start
  int64_t interval_s = 0;   // seconds between reminders inside that window
  bool operator==(const ReminderSpec&) const = default;
};

// "/restapi/v1.0/subscription/~?threshold=T&interval=I"
std::string ReminderFilter(const ReminderSpec& spec);

// Parses a reminder filter string back; nullopt if `filter` is not one.
std::optional<ReminderSpec> ParseReminderFilter(std::string_view filter);

// The rules: threshold <= ttl/2, interval <= threshold/2, both >= job_interval, both >= 1.
// Returns one human-readable problem per broken rule, each naming the numbers
// (e.g. "threshold 90 must be <= expires_in/2 (60)"); empty when the spec is valid.
std::vector<std::string> CheckReminderRules(int64_t ttl_s, const ReminderSpec& spec,
                                            int64_t job_interval_s);

// The default reminder for a lifetime: threshold = min(86400, ttl/4),
// interval = min(3600, threshold/4). May violate the job-interval rule for tiny lifetimes, in
// which case validation says so and the user must set it.
ReminderSpec DefaultReminder(int64_t ttl_s);

}  // namespace subkeeper::subscription
