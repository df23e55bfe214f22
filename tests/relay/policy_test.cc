#include "subkeeper/relay/policy.h"

#include <catch2/catch.hpp>

#include "support/secret_fragments.h"

namespace subkeeper::relay {
namespace {

using std::chrono::milliseconds;

const WallTime kReceived = FromUnixMillis(1'700'000'000'000);

TEST_CASE("RetryDelay doubles from the minimum with equal jitter, up to the cap", "[relay]") {
  const RetryPolicy policy{Seconds(1), Seconds(600), Seconds(86400)};
  struct Row {
    int32_t attempts;
    double unit_random;
    int64_t ms;
  };
  const Row rows[] = {
      {1, 0.0, 500},                                   // first retry: d = 1 s → [0.5 s, 1 s]
      {1, 0.999999, 999},                              //
      {2, 0.0, 1000},                                  // d = 2 s
      {4, 0.5, 6000},                                  // d = 8 s → 4 s + 0.5 * 4 s
      {10, 0.0, 256000},                               // d = 512 s
      {11, 0.0, 300000},                               // d = 1024 s → capped at 600 s
      {11, 0.999999, 599999}, {1000000, 0.0, 300000},  // no overflow however many attempts
      {0, 0.0, 500},  // nonsense input is treated as the first retry
  };
  for (const Row& row : rows) {
    INFO("attempts " << row.attempts << " random " << row.unit_random);
    CHECK(RetryDelay(policy, row.attempts, row.unit_random) == milliseconds(row.ms));
  }
}

TEST_CASE("RetryDelay is never below 1 ms and never above the cap", "[relay]") {
  CHECK(RetryDelay(RetryPolicy{Seconds(0), Seconds(0), Seconds(1)}, 1, 0.0) == milliseconds(1));
  const RetryPolicy policy{Seconds(2), Seconds(5), Seconds(60)};
  for (int32_t attempts = 1; attempts < 40; ++attempts) {
    CHECK(RetryDelay(policy, attempts, 0.999999) <= milliseconds(5000));
    CHECK(RetryDelay(policy, attempts, 1.5) <= milliseconds(5000));  // out-of-range random
    CHECK(RetryDelay(policy, attempts, -1.0) >= milliseconds(1000));
  }
}

TEST_CASE("Only 2xx means delivered", "[relay]") {
  CHECK(Delivered(200));
  CHECK(Delivered(204));
  CHECK(Delivered(299));
  CHECK_FALSE(Delivered(0));
  CHECK_FALSE(Delivered(199));
  CHECK_FALSE(Delivered(301));
  CHECK_FALSE(Delivered(410));
  CHECK_FALSE(Delivered(503));
}

TEST_CASE("A client error is a 4xx other than 408 and 429", "[relay]") {
  for (int status : {400, 401, 403, 404, 410, 413, 415, 422, 451, 499}) {
    INFO(status);
    CHECK(ClientError(status));
  }
  for (int status : {0, 200, 204, 301, 399, 408, 429, 500, 502, 503, 504}) {
    INFO(status);
    CHECK_FALSE(ClientError(status));
  }
}

TEST_CASE("RefusedForGood after max_client_error_attempts client errors, never otherwise",
          "[relay]") {
  RetryPolicy policy;
  CHECK(policy.max_client_error_attempts == 3);
  CHECK_FALSE(RefusedForGood(policy, 400, 1));
  CHECK_FALSE(RefusedForGood(policy, 400, 2));
  CHECK(RefusedForGood(policy, 400, 3));
  CHECK(RefusedForGood(policy, 404, 4));
  CHECK_FALSE(RefusedForGood(policy, 429, 50));
  CHECK_FALSE(RefusedForGood(policy, 408, 50));
  CHECK_FALSE(RefusedForGood(policy, 503, 50));
  policy.max_client_error_attempts = 1;
  CHECK(RefusedForGood(policy, 422, 1));
  policy.max_client_error_attempts = 0;  // nonsense: still at least one attempt
  CHECK(RefusedForGood(policy, 422, 1));
}

TEST_CASE("FailureReason is one bounded line", "[relay]") {
  CHECK(FailureReason(503, "") == "HTTP 503");
  CHECK(FailureReason(500, "  boom\r\n\tagain\n") == "HTTP 500: boom   again");
  const std::string reason = FailureReason(500, std::string(1000, 'x'));
  CHECK(reason == "HTTP 500: " + std::string(200, 'x'));
  // A cut never splits a UTF-8 sequence: 199 ASCII bytes, then a 2-byte "é" straddling byte 200.
  CHECK(FailureReason(502, std::string(199, 'a') + "\xC3\xA9" + "tail") ==
        "HTTP 502: " + std::string(199, 'a'));
  CHECK(FailureReason(Status::DeadlineExceeded("timed out after 10000 ms")) ==
        "deadline_exceeded: timed out after 10000 ms");
}

TEST_CASE("FailureReason redacts an echoed credential before cutting it", "[relay]") {
  const std::string jwt = testing::LongJwt(1500);
  const std::string reason = FailureReason(401, "{\"error\":\"bad token " + jwt + "\"}");
  CHECK(reason.size() <= std::string("HTTP 401: ").size() + 200);
  CHECK(reason.starts_with("HTTP 401: {\"error\":\"bad token "));
  CHECK_FALSE(testing::HasFragment(reason, jwt));
}

TEST_CASE("NextAttempt retries within the maximum age, then the event is dead", "[relay]") {
  const RetryPolicy policy{Seconds(1), Seconds(600), Seconds(3600)};
  // First failure right after receipt: retried after the first backoff.
  CHECK(NextAttempt(policy, kReceived, kReceived, 1, 0.0) == kReceived + milliseconds(500));
  const WallTime later = kReceived + Seconds(100);
  CHECK(NextAttempt(policy, kReceived, later, 3, 0.0) == later + Seconds(2));
  // At (or past) the maximum age: dead now.
  CHECK_FALSE(NextAttempt(policy, kReceived, kReceived + Seconds(3600), 1, 0.0).has_value());
  CHECK_FALSE(NextAttempt(policy, kReceived, kReceived + Seconds(9000), 1, 0.0).has_value());
  // The next attempt would land after the maximum age: dead now rather than one late try.
  const WallTime near_end = kReceived + Seconds(3500);
  CHECK_FALSE(NextAttempt(policy, kReceived, near_end, 20, 0.0).has_value());  // +300 s
  CHECK(NextAttempt(policy, kReceived, near_end, 7, 0.0) == near_end + Seconds(32));
  // Landing exactly on the deadline is still allowed.
  CHECK(NextAttempt(policy, kReceived, kReceived + milliseconds(3599500), 1, 0.0) ==
        kReceived + Seconds(3600));
}

}  // namespace
}  // namespace subkeeper::relay
