#include "subkeeper/renewal/policy.h"

#include <catch2/catch.hpp>

namespace subkeeper::renewal {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);
const subscription::ReminderSpec kReminder{40, 10};  // "…?threshold=40&interval=10"
const std::optional<subscription::ReminderSpec> kDirect;

TEST_CASE("Backoff doubles from the minimum, is capped, and jitters within [d/2, d]", "[renewal]") {
  BackoffPolicy policy{Seconds(2), Seconds(300)};
  CHECK(BackoffDelay(policy, 1, 0.999).count() == 1);  // d = 2 → [1, 2)
  CHECK(BackoffDelay(policy, 3, 0.0).count() == 4);    // d = 8 → 4
  CHECK(BackoffDelay(policy, 3, 0.999).count() == 7);
  CHECK(BackoffDelay(policy, 20, 0.0).count() == 150);  // capped at 300 → [150, 300]
  CHECK(BackoffDelay(policy, 20, 0.999).count() <= 300);
  CHECK(BackoffDelay(policy, 1000, 0.5).count() <= 300);  // no overflow for huge attempts
}

TEST_CASE("The fallback timer leaves reminders the first half of their window", "[renewal]") {
  const WallTime expires = kNow + Seconds(120);
  CHECK(FallbackAt(expires, 120, kReminder, 25) == expires - Seconds(20));
  // Direct subscriptions have no reminders: a share of the granted lifetime.
  CHECK(FallbackAt(expires, 120, kDirect, 25) == expires - Seconds(30));
  CHECK(FallbackAt(expires, 604800, kDirect, 25) == expires - Seconds(151200));
}

TEST_CASE("Retries never land after expiry", "[renewal]") {
  const WallTime expires = kNow + Seconds(10);
  CHECK(RetryAt(kNow, expires, Seconds(4)) == kNow + Seconds(4));
  CHECK(RetryAt(kNow, expires, Seconds(60)) == expires - Seconds(1));
  // Already expired: retry after the delay (the renew will find it gone and recreate).
  CHECK(RetryAt(kNow, kNow - Seconds(5), Seconds(3)) == kNow + Seconds(3));
}

store::SubscriptionRecord Relayed(WallTime expires) {
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.remote_id = "sub-1";
  r.reminder = kReminder;
  r.expires_at = expires;
  return r;
}

TEST_CASE("A reminder renews only its own subscription, inside the window", "[renewal]") {
  auto record = Relayed(kNow + Seconds(35));
  CHECK(ShouldRenewOnReminder(record, "sub-1", kNow));
  CHECK_FALSE(ShouldRenewOnReminder(record, "sub-other", kNow));
  // Just renewed (expiry far away again): a late duplicate reminder is ignored.
  CHECK_FALSE(ShouldRenewOnReminder(Relayed(kNow + Seconds(119)), "sub-1", kNow));
  // Slack of one interval before the window (reminders are approximate).
  CHECK(ShouldRenewOnReminder(Relayed(kNow + Seconds(45)), "sub-1", kNow));
  auto direct = record;
  direct.reminder.reset();
  CHECK_FALSE(ShouldRenewOnReminder(direct, "sub-1", kNow));
}

TEST_CASE("A reminder starts nothing while the backoff after a failure runs", "[renewal]") {
  auto record = Relayed(kNow + Seconds(35));
  record.failures = 1;
  record.next_renewal_at = kNow + Seconds(4);
  CHECK(InBackoff(record, kNow));
  CHECK_FALSE(ShouldRenewOnReminder(record, "sub-1", kNow));
  CHECK_FALSE(InBackoff(record, kNow + Seconds(4)));
  CHECK(ShouldRenewOnReminder(record, "sub-1", kNow + Seconds(4)));
  record.failures = 0;  // a timer ahead after a success is no backoff
  CHECK_FALSE(InBackoff(record, kNow));
}

TEST_CASE("A retry lapses when it comes at or after the last useful second", "[renewal]") {
  const WallTime expires = kNow + Seconds(20);
  CHECK(LapsesBeforeRetry(kNow, expires, kNow + Seconds(61)));
  CHECK(LapsesBeforeRetry(kNow, expires, kNow + Seconds(19)));
  CHECK_FALSE(LapsesBeforeRetry(kNow, expires, kNow + Seconds(18)));
  CHECK_FALSE(LapsesBeforeRetry(kNow, WallTime{}, kNow + Seconds(600)));
}

TEST_CASE("A reminder is missed when the window opened and none arrived", "[renewal]") {
  auto record = Relayed(kNow + Seconds(20));  // window opened 20 s ago
  CHECK(ReminderMissed(record, kNow));
  record.last_reminder_at = kNow - Seconds(5);  // one arrived inside the window
  CHECK_FALSE(ReminderMissed(record, kNow));
  record.last_reminder_at = kNow - Seconds(30);  // only before the window: missed
  CHECK(ReminderMissed(record, kNow));
  record.failures = 1;  // a retry after a failure is not a missed reminder
  CHECK_FALSE(ReminderMissed(record, kNow));
  CHECK_FALSE(ReminderMissed(Relayed(kNow + Seconds(60)), kNow));  // window not open yet
}

TEST_CASE("Renew answers map to the next step", "[renewal]") {
  CHECK(ClassifyRenewal(Status::OK(), subkeeper::platform::RemoteStatus::Of("Active")) ==
        Next::kDone);
  CHECK(ClassifyRenewal(Status::OK(), subkeeper::platform::RemoteStatus::Of("Blacklisted")) ==
        Next::kReplace);
  CHECK(ClassifyRenewal(Status::OK(), subkeeper::platform::RemoteStatus::Of("Suspended")) ==
        Next::kReplace);
  CHECK(ClassifyRenewal(Status::OK(), subkeeper::platform::RemoteStatus::Of("SomethingNew")) ==
        Next::kReplace);
  CHECK(ClassifyRenewal(Status::NotFound("gone").WithHttp(404, "CMN-102"),
                        subkeeper::platform::RemoteStatus()) == Next::kRecreate);
  CHECK(ClassifyRenewal(Status::ResourceExhausted("429"), subkeeper::platform::RemoteStatus()) ==
        Next::kRetryAfterPenalty);
  CHECK(ClassifyRenewal(Status::Unavailable("503"), subkeeper::platform::RemoteStatus()) ==
        Next::kRetry);
  CHECK(ClassifyRenewal(Status::DeadlineExceeded("timeout"), subkeeper::platform::RemoteStatus()) ==
        Next::kRetry);
  CHECK(ClassifyRenewal(Status::Unauthenticated("401"), subkeeper::platform::RemoteStatus()) ==
        Next::kRetry);
  // An account in auth_failed: refused locally until its next login.
  CHECK(ClassifyRenewal(Status::Unauthenticated("auth_failed").WithRetryAfter(Seconds(60)),
                        subkeeper::platform::RemoteStatus()) == Next::kRetryAfterPenalty);
}

TEST_CASE("The fallback timer is spread over up to an eighth before it", "[renewal]") {
  const WallTime expires = kNow + Seconds(800);
  // Relay: FallbackAt = expires - 20 s; 1/8 of those 20 s is 2.5 s.
  CHECK(SpreadFallbackAt(expires, 800, kReminder, 25, 0.0) == expires - Seconds(20));
  CHECK(SpreadFallbackAt(expires, 800, kReminder, 25, 0.5) == expires - Millis(21250));
  CHECK(SpreadFallbackAt(expires, 800, kReminder, 25, 0.999) > expires - Millis(22500));
  // Direct: FallbackAt = expires - 200 s; up to 25 s earlier.
  CHECK(SpreadFallbackAt(expires, 800, kDirect, 25, 0.0) == expires - Seconds(200));
  CHECK(SpreadFallbackAt(expires, 800, kDirect, 25, 0.5) == expires - Millis(212500));
  // Out-of-range randomness is clamped, never past the whole eighth.
  CHECK(SpreadFallbackAt(expires, 800, kDirect, 25, 7.0) == expires - Seconds(225));
}

TEST_CASE("The reminder spread is the smallest of interval and threshold/4 and the cap",
          "[renewal]") {
  CHECK(ReminderSpread(kReminder, Seconds(3600)) == Seconds(10));  // threshold 40, interval 10
  CHECK(ReminderSpread(subscription::ReminderSpec{86400, 3600}, Seconds(3600)) == Seconds(3600));
  CHECK(ReminderSpread(subscription::ReminderSpec{86400, 3600}, Seconds(600)) == Seconds(600));
  CHECK(ReminderSpread(subscription::ReminderSpec{400, 200}, Seconds(3600)) == Seconds(100));
  CHECK(ReminderSpread(kReminder, Seconds(0)) == Seconds(0));
  CHECK(ReminderSpread(kDirect, Seconds(3600)) == Seconds(0));
}

TEST_CASE("Errors with retry_after are never retried earlier even past expiry", "[renewal]") {
  const WallTime expires = kNow + Seconds(10);
  const auto penalty =
      Status::ResourceExhausted("429").WithHttp(429, "CMN-301").WithRetryAfter(Seconds(60));
  CHECK(RetryAtAfter(kNow, expires, penalty, Seconds(2)) == kNow + Seconds(61));
  const auto local =
      Status::ResourceExhausted("paused by the platform's rate limit").WithRetryAfter(Seconds(5));
  CHECK(RetryAtAfter(kNow, expires, local, Seconds(2)) == kNow + Seconds(6));
  const auto auth = Status::Unauthenticated("auth_failed").WithRetryAfter(Seconds(120));
  CHECK(RetryAtAfter(kNow, expires, auth, Seconds(2)) == kNow + Seconds(121));
  // A 429 without Retry-After waits 30 s or more (docs/platform.md §7).
  CHECK(RetryAtAfter(kNow, expires, Status::ResourceExhausted("429"), Seconds(2)) ==
        kNow + Seconds(31));
  // Other errors: backoff, kept before expiry; no expiry known: just the backoff.
  CHECK(RetryAtAfter(kNow, expires, Status::Unavailable("503"), Seconds(60)) ==
        expires - Seconds(1));
  CHECK(RetryAtAfter(kNow, WallTime{}, Status::Unavailable("503"), Seconds(60)) ==
        kNow + Seconds(60));
}

TEST_CASE("Only a refused create is known to have made nothing", "[renewal]") {
  CHECK(CreateCertainlyFailed(Status::InvalidArgument("bad").WithHttp(400, "SUB-523")));
  CHECK(CreateCertainlyFailed(Status::ResourceExhausted("429").WithHttp(429, "CMN-301")));
  CHECK(CreateCertainlyFailed(Status::ResourceExhausted("paused locally")));
  CHECK(CreateCertainlyFailed(Status::Unauthenticated("auth_failed")));
  CHECK_FALSE(CreateCertainlyFailed(Status::Unavailable("503").WithHttp(503, "")));
  CHECK_FALSE(CreateCertainlyFailed(Status::Unavailable("408").WithHttp(408, "")));
  CHECK_FALSE(CreateCertainlyFailed(Status::DeadlineExceeded("timed out")));
  CHECK_FALSE(CreateCertainlyFailed(Status::Unavailable("connection reset")));
}

platform::RemoteSubscription Remote(const std::string& id, const std::string& address,
                                    WallTime expires, const std::string& status = "Active") {
  platform::RemoteSubscription remote;
  remote.id = id;
  remote.address = address;
  remote.expiration_time = expires;
  remote.status = subkeeper::platform::RemoteStatus::Of(status);
  return remote;
}

TEST_CASE("An uncertain create keeps the longest-lived Active one at its address", "[renewal]") {
  const std::string here = "https://h/webhooks/main/sms";
  const std::vector<platform::RemoteSubscription> listed{
      Remote("s1", here, kNow + Seconds(50)),
      Remote("s2", here, kNow + Seconds(90)),
      Remote("s3", here, kNow + Seconds(90)),
      Remote("s4", here, kNow + Seconds(500), "Blacklisted"),
      Remote("s5", "https://h/webhooks/main/other", kNow + Seconds(900)),
      Remote("old", here, kNow + Seconds(900)),
  };
  auto match = MatchUncertainCreate(listed, here, {"old"});
  REQUIRE(match.keep);
  CHECK(match.keep->id == "s2");  // equal lifetimes: the smaller id
  CHECK(match.duplicates == std::vector<std::string>{"s3", "s1"});
  CHECK_FALSE(MatchUncertainCreate(listed, "https://h/none", {}).keep);
}

}  // namespace
}  // namespace subkeeper::renewal
