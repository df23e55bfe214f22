#include "rcemu/filters.h"

#include <charconv>

namespace rcemu {
namespace {

constexpr std::string_view kReminderPath = "/restapi/v1.0/subscription/~";

// Strictly positive decimal integer, nothing else.
std::optional<int64_t> ParsePositive(std::string_view text) {
  int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value <= 0) return std::nullopt;
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

}  // namespace

bool IsReminderFilter(std::string_view filter) {
  const std::string_view path = filter.substr(0, filter.find('?'));
  return path == kReminderPath;
}

std::optional<ReminderFilter> ParseReminderFilter(std::string_view filter) {
  if (!IsReminderFilter(filter)) return std::nullopt;
  const size_t q = filter.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::optional<int64_t> threshold;
  std::optional<int64_t> interval;
  for (std::string_view pair : Split(filter.substr(q + 1), '&')) {
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = pair.substr(0, eq);
    const auto value = ParsePositive(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    if (key == "threshold") {
      threshold = value;
    } else if (key == "interval") {
      interval = value;
    } else {
      return std::nullopt;
    }
  }
  if (!threshold || !interval) return std::nullopt;
  return ReminderFilter{std::string(filter), *threshold, *interval};
}

bool ReminderRulesHold(const ReminderFilter& reminder, int64_t ttl_s, int64_t job_interval_s) {
  const int64_t t = reminder.threshold_s;
  const int64_t i = reminder.interval_s;
  return 2 * t <= ttl_s && 2 * i <= t && t >= job_interval_s && i >= job_interval_s;
}

std::string RewriteFilter(std::string_view filter, std::string_view account_id,
                          std::string_view extension_id) {
  const size_t q = filter.find('?');
  const std::string_view path = filter.substr(0, q);
  std::string out;
  std::string_view previous;
  bool first = true;
  for (std::string_view segment : Split(path, '/')) {
    if (!first) out += '/';
    first = false;
    if (segment == "~" && previous == "account") {
      out += account_id;
    } else if (segment == "~" && previous == "extension") {
      out += extension_id;
    } else {
      out += segment;
    }
    previous = segment;
  }
  if (q != std::string_view::npos) out += filter.substr(q);
  return out;
}

bool IsHttpUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.front() == ':') return false;
  return host.find_first_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace rcemu
