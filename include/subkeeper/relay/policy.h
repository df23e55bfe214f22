// Pure relay decisions: when to try again, when to give up. No I/O, no clock.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"

namespace subkeeper::relay {

struct RetryPolicy {
  Seconds min_backoff{1};    // delay after the first failed attempt
  Seconds max_backoff{600};  // cap of the exponential growth
  Seconds max_age{86400};    // an event received longer ago than this is dead after a failure
  // An event the app refuses with a client error (ClientError) is dead after this many attempts
  // in all, however young: the app will not take it, and it would hold the events behind it.
  int32_t max_client_error_attempts = 3;
};

// Delay before attempt `attempts + 1` after `attempts` (>= 1) failed ones: min_backoff *
// 2^(attempts-1), capped at max_backoff, then "equal jitter": uniformly in [d/2, d] using
// `unit_random` in [0, 1). Never below 1 ms.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int32_t attempts,
                                     double unit_random);

// True for an answer that means the app has the event: any 2xx.
bool Delivered(int http_status);

// True for an answer that says the app will not take this request as it is: a 4xx other than
// 408 (Request Timeout) and 429 (Too Many Requests), which only say "not now".
bool ClientError(int http_status);

// After an attempt answered `http_status` (the `attempts`-th, counting it): true when the event
// is dead now because the app refused it with a client error and has had
// max_client_error_attempts attempts (at least one).
bool RefusedForGood(const RetryPolicy& policy, int http_status, int32_t attempts);

// One-line reason for a failed attempt: "HTTP 503", "HTTP 500: <first 200 bytes of the body,
// one line>", or the transport Status ("deadline exceeded: …"). Never contains header values.
std::string FailureReason(int http_status, const std::string& body);
std::string FailureReason(const Status& transport_error);

// After a failed attempt on an event received at `received_at`: the next attempt time, or
// nullopt when the event is dead (now - received_at >= max_age, or the next attempt would
// fall after received_at + max_age — then it is dead now rather than tried once more later).
// Every event gets at least one attempt: this is only asked after one failed.
std::optional<WallTime> NextAttempt(const RetryPolicy& policy, WallTime received_at, WallTime now,
                                    int32_t attempts, double unit_random);

}  // namespace subkeeper::relay
