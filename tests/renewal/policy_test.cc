#include "subkeeper/renewal/policy.h"

#include <catch2/catch.hpp>

namespace subkeeper::renewal {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);
const std::string kReminder = "/restapi/v1.0/subscription/~?threshold=40&interval=10";

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
  CHECK(FallbackAt(expires, 120, "", 25) == expires - Seconds(30));
  CHECK(FallbackAt(expires, 604800, "", 25) == expires - Seconds(151200));
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
  r.reminder_filter = kReminder;
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
  direct.reminder_filter.clear();
  CHECK_FALSE(ShouldRenewOnReminder(direct, "sub-1", kNow));
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
  CHECK(ClassifyRenewal(Status::OK(), "Active") == Next::kDone);
  CHECK(ClassifyRenewal(Status::OK(), "Blacklisted") == Next::kReplace);
  CHECK(ClassifyRenewal(Status::OK(), "Suspended") == Next::kReplace);
  CHECK(ClassifyRenewal(Status::OK(), "SomethingNew") == Next::kReplace);
  CHECK(ClassifyRenewal(Status::NotFound("gone").WithHttp(404, "CMN-102"), "") == Next::kRecreate);
  CHECK(ClassifyRenewal(Status::ResourceExhausted("429"), "") == Next::kRetryAfterPenalty);
  CHECK(ClassifyRenewal(Status::Unavailable("503"), "") == Next::kRetry);
  CHECK(ClassifyRenewal(Status::DeadlineExceeded("timeout"), "") == Next::kRetry);
  CHECK(ClassifyRenewal(Status::Unauthenticated("401"), "") == Next::kRetry);
}

}  // namespace
}  // namespace subkeeper::renewal
