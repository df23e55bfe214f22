#include "subkeeper/relay/policy.h"

#include <algorithm>

#include "subkeeper/common/log.h"

namespace subkeeper::relay {
namespace {

constexpr size_t kMaxReasonBody = 200;
// How much of an app's answer is scrubbed before the cut: enough for any credential it might
// echo, bounded so a huge error page costs little.
constexpr size_t kMaxScrubbedBody = 16 * 1024;

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence, so the reason stays
// valid text in JSON status pages.
std::string_view Utf8Prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  const size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  out.erase(out.find_last_not_of(' ') + 1);
  out.erase(0, first);
  return out;
}

}  // namespace

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int32_t attempts,
                                     double unit_random) {
  using std::chrono::milliseconds;
  const milliseconds cap = std::max(policy.max_backoff, policy.min_backoff);
  milliseconds delay = policy.min_backoff;
  // Doubling stops at the cap, so a huge attempt count cannot overflow.
  for (int32_t i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  const auto half = delay.count() / 2;
  const auto jittered = half + static_cast<int64_t>(r * static_cast<double>(delay.count() - half));
  return milliseconds(std::clamp<int64_t>(jittered, 1, delay.count() > 0 ? delay.count() : 1));
}

bool Delivered(int http_status) { return http_status >= 200 && http_status < 300; }

bool ClientError(int http_status) {
  return http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429;
}

bool RefusedForGood(const RetryPolicy& policy, int http_status, int32_t attempts) {
  return ClientError(http_status) &&
         attempts >= std::max<int32_t>(1, policy.max_client_error_attempts);
}

std::string FailureReason(int http_status, const std::string& body) {
  std::string reason = "HTTP " + std::to_string(http_status);
  // Redact before cutting: a credential the app echoes, cut first, would no longer be recognised
  // and its first part would reach the status page.
  const std::string scrubbed = logging::Scrub(Utf8Prefix(body, kMaxScrubbedBody));
  const std::string line = OneLine(Utf8Prefix(scrubbed, kMaxReasonBody));
  if (!line.empty()) reason += ": " + line;
  return reason;
}

std::string FailureReason(const Status& transport_error) { return transport_error.ToString(); }

std::optional<WallTime> NextAttempt(const RetryPolicy& policy, WallTime received_at, WallTime now,
                                    int32_t attempts, double unit_random) {
  const WallTime deadline = received_at + policy.max_age;
  if (now >= deadline) return std::nullopt;
  const WallTime next = now + RetryDelay(policy, attempts, unit_random);
  if (next > deadline) return std::nullopt;
  return next;
}

}  // namespace subkeeper::relay
