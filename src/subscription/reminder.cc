#include "subkeeper/subscription/reminder.h"

#include <algorithm>
#include <charconv>

namespace subkeeper::subscription {
namespace {

constexpr std::string_view kReminderPrefix = "/restapi/v1.0/subscription/~?threshold=";
constexpr std::string_view kIntervalKey = "&interval=";

// Strict positive decimal: no sign, no leading zeros, no spaces. A reminder filter is compared
// byte for byte with the event string, so "060" must not parse as the same filter as "60".
std::optional<int64_t> ParsePositive(std::string_view text) {
  if (text.empty() || text.front() < '1' || text.front() > '9') return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string ReminderFilter(const ReminderSpec& spec) {
  return std::string(kReminderPrefix) + std::to_string(spec.threshold_s) +
         std::string(kIntervalKey) + std::to_string(spec.interval_s);
}

std::optional<ReminderSpec> ParseReminderFilter(std::string_view filter) {
  if (!filter.starts_with(kReminderPrefix)) return std::nullopt;
  filter.remove_prefix(kReminderPrefix.size());
  size_t sep = filter.find(kIntervalKey);
  if (sep == std::string_view::npos) return std::nullopt;
  auto threshold = ParsePositive(filter.substr(0, sep));
  auto interval = ParsePositive(filter.substr(sep + kIntervalKey.size()));
  if (!threshold || !interval) return std::nullopt;
  return ReminderSpec{*threshold, *interval};
}

std::vector<std::string> CheckReminderRules(int64_t ttl_s, const ReminderSpec& spec,
                                            int64_t job_interval_s) {
  std::vector<std::string> problems;
  const int64_t t = spec.threshold_s;
  const int64_t i = spec.interval_s;
  const int64_t floor = std::max<int64_t>(1, job_interval_s);
  if (t < floor) {
    problems.push_back("threshold " + std::to_string(t) + " must be >= " + std::to_string(floor) +
                       " (reminder_job_interval)");
  }
  if (t > ttl_s / 2) {
    problems.push_back("threshold " + std::to_string(t) + " must be <= expires_in/2 (" +
                       std::to_string(ttl_s / 2) + ")");
  }
  if (i < floor) {
    problems.push_back("interval " + std::to_string(i) + " must be >= " + std::to_string(floor) +
                       " (reminder_job_interval)");
  }
  if (i > t / 2) {
    problems.push_back("interval " + std::to_string(i) + " must be <= threshold/2 (" +
                       std::to_string(t / 2) + ")");
  }
  return problems;
}

ReminderSpec DefaultReminder(int64_t ttl_s) {
  const int64_t threshold = std::min<int64_t>(86400, ttl_s / 4);
  return ReminderSpec{threshold, std::min<int64_t>(3600, threshold / 4)};
}

}  // namespace subkeeper::subscription
