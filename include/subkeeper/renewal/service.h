// The one renewal service both triggers (reminder, fallback timer) and start-up go through.
// Run() takes the subscription's lease in the store, so a subscription is never renewed twice
// at once (by two threads or, with a shared store, two replicas), then:
//   no remote id          → create (with the reminder filter and the derived verification token)
//   renew answered Active → store the returned expiry, schedule the fallback timer
//   404 / CMN-102         → create again at once ("recreated", reason in history)
//   not Active            → delete, then create again ("recreated" after "blacklisted")
//   transient errors      → keep the subscription, retry with backoff before expiry
//   429 / penalty         → retry when Retry-After has passed, never earlier
// Every state change is written together with a history row. The expiry stored is always the
// one the platform returned. Thread-safe; calls block on platform I/O.
//
// Timing: after a success the fallback timer (next_renewal_at) is FallbackAt(...) moved earlier by
// a random part of up to 1/8 of (expires_at - FallbackAt) (SpreadFallbackAt, with the injected
// unit_random), so subscriptions created together do not fall due together. After a failure the
// retry is RetryAtAfter(...): backoff before expiry, but never before an error's retry_after (429,
// a locally refused call, kUnauthenticated from an account in "auth_failed").
//
// No duplicate creates: before a create is sent, the record is persisted with create_uncertain
// set; a definite answer (success, a 4xx, a local refusal) clears it. A create of a record still
// marked (the last one timed out, lost its connection, got a 5xx, or the process died) first
// lists the account and adopts an Active subscription at the record's address ("adopted" in
// history, saying why; the longest-lived one when there are several, the others deleted); only
// when there is none is a create sent. A failed list is a failure like any other (retried, the
// mark kept).
//
// Lifecycle events for the app (relay/lifecycle.h) ride on those history rows as their outbox,
// only for a record with a deliver_to: "recreated" (every path but the first creation; with the
// window [last moment the old one was known active, creation of the new one], none for a
// make-before-break replacement), "blacklisted", "renewal_failing" when `failures` reaches
// failure_events_after (once per streak) and "renewal_recovered" on the first success after such
// a streak — a renewal, an update or a create; when a recreation ends the streak, its row queues
// "recreated" and then "renewal_recovered".
//
// One guard for every create: the lease, plus what the caller decided from. A reconcile plans from
// a read of the store and a list call made outside the lease; by the time it acts, the timer or a
// reminder may have renewed, recreated or replaced the subscription. Every method therefore takes
// the remote id the caller saw (`Expected`): under the lease the record is read again, and when
// its remote id is no longer that one the decision is stale — kAborted, nothing is sent, the
// caller plans again from a fresh observation. Paths that decide under the lease (the timer, a
// reminder, a manual renew) pass nothing. So two creates for one record can never both be sent.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/relay/lifecycle.h"
#include "subkeeper/renewal/policy.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::renewal {

// The remote id of the record a caller decided from ("" = it had none); nullopt = no expectation
// (the caller decides under the lease, from the record as it is).
using Expected = std::optional<std::string>;

struct ServiceOptions {
  std::string owner;  // lease owner id, unique per process
  Seconds lease{60};  // lease duration; longer than the slowest renewal (timeouts included)
  BackoffPolicy backoff;
  int64_t direct_margin_pct = 25;
  Secret webhook_secret;                // derives each subscription's verification token
  int64_t reminder_job_interval_s = 5;  // for checking reminder rules against the granted TTL
  // Consecutive failures after which the app is sent "renewal_failing"; 0 = never.
  int32_t failure_events_after = 3;
};

class RenewalService {
 public:
  // `store`, `api` and `clock` must outlive the service. `unit_random` returns values in [0, 1)
  // for backoff jitter (injected so tests are deterministic).
  RenewalService(store::SubscriptionStore& store, platform::SubscriptionApi& api,
                 const Clock& clock, ServiceOptions options, std::function<double()> unit_random);

  // Called (outside any lock) after a subscription's remote id changed, so that the webhook
  // routes can be republished. Set before the first Run.
  void SetOnRemoteChange(
      std::function<void(const std::string& account, const std::string& name)> callback) {
    on_remote_change_ = std::move(callback);
  }

  // Called (outside any lock) after every attempt on a subscription (renew, create, update,
  // recreate, forget), whatever its outcome, e.g. to track condition transitions.
  void SetOnSettled(
      std::function<void(const std::string& account, const std::string& name)> callback) {
    on_settled_ = std::move(callback);
  }

  // Brings (account, name) to a live, renewed subscription as described above.
  // Returns kAborted when another owner holds the lease or the record's remote id is not
  // `expected`, kNotFound when there is no record, a store error when the outcome could not be
  // persisted; platform errors are not returned (they are recorded in the record and its history,
  // and a retry is scheduled). A reminder during the backoff after a failure renews nothing: the
  // scheduled retry does (a reminder cutting it short would hammer a failing platform).
  Status Run(const std::string& account, const std::string& name, Trigger trigger,
             const Expected& expected = std::nullopt);

  // A reconcile found the record's remote subscription gone from the platform (not listed), or
  // the record never had one: forgets the dead id ("expired" in history) and creates. Only while
  // the record still has `expected`.
  Status CreateGone(const std::string& account, const std::string& name, const std::string& reason,
                    const std::string& expected);

  // Takes `remote` (listed at the record's address) as the record's subscription ("adopted");
  // `token_fingerprint` is the one of the token derived from the current secret. Only while the
  // record has no remote id.
  Status Adopt(const std::string& account, const std::string& name,
               const platform::RemoteSubscription& remote, const std::string& token_fingerprint,
               const std::string& reason);

  // Deletes `remote_id`, a subscription at the record's address that the record does not claim
  // (a duplicate), with a "deleted" history row. kAborted when the record claims it by now.
  Status DeleteUnclaimed(const std::string& account, const std::string& name,
                         const std::string& remote_id, const std::string& reason);

  // Writes the configured definition `desired` (see reconcile::MergeDesired) into the existing
  // record under its lease, so that it cannot overwrite what a renewal in flight writes.
  Status SetDesired(const store::SubscriptionRecord& desired);

  // Records that a reminder for `subscription_id` arrived at `now`, when the record still has that
  // id. kAborted while a renewal holds the lease (a renewal is under way: nothing is lost).
  Status RecordReminder(const std::string& account, const std::string& name,
                        const std::string& subscription_id, WallTime now);

  // Another keeper holds the account (several keepers on one database): moves the record's
  // next_renewal_at to `now` (unless it is earlier), so that the holder's schedule walk renews
  // it. No platform call. kAborted while a renewal holds the lease (it is being renewed),
  // kNotFound when there is no record.
  Status MarkDue(const std::string& account, const std::string& name, WallTime now);

  // PUT the record's filters (its event filters plus the reminder filter) and requested lifetime
  // to its remote subscription ("updated" in history). A 404 recreates it. Unlike Run, a
  // platform error is returned (after being recorded), so the reconcile knows to try again.
  Status Update(const std::string& account, const std::string& name, const std::string& reason,
                const Expected& expected = std::nullopt);

  // Replaces the record's remote subscription. Make-before-break (address or token change): the
  // new one is created first and the old one deleted only after that succeeded, so no event is
  // missed; when the create fails the old one stays and kUnavailable is returned (recorded as
  // well), so the reconcile pass retries. For a non-Active subscription the old one is
  // deleted first (it delivers nothing and counts against the 30-per-user limit). `observed`:
  // the subscription as a list call just saw it, newer than the record (a reconcile that found
  // it Blacklisted while the record still says Active).
  Status Recreate(const std::string& account, const std::string& name, const std::string& reason,
                  const platform::RemoteSubscription* observed = nullptr,
                  const Expected& expected = std::nullopt);

  // Deletes the record's remote subscription (a 404 is fine), then the record ("deleted").
  Status Forget(const std::string& account, const std::string& name, const std::string& reason,
                const Expected& expected = std::nullopt);

 private:
  // Runs `body` on the record while holding its lease, when its remote id is `expected` (if
  // given); republishes routes when the remote id changed, and reports the attempt to
  // on_settled_ when `settle` (bookkeeping that attempts nothing passes false).
  Status WithLease(const std::string& account, const std::string& name, const Expected& expected,
                   const std::function<Status(store::SubscriptionRecord&, WallTime)>& body,
                   bool settle = true);
  using Record = store::SubscriptionRecord;
  using History = std::optional<store::HistoryEntry>;
  // The subscription a recreation replaces: its id and the last moment it was known to be
  // active (unset = no gap, it was still active when the new one was created).
  struct Previous {
    std::string id;
    WallTime active_until{};
  };

  Status RunLocked(Record& record, Trigger trigger, WallTime now);
  Status Renew(Record& record, Trigger trigger, WallTime now);
  // When a renew was refused for the Light group's budget or penalty and waiting for it would let
  // the subscription lapse: renews by PUT instead (Medium, a budget of its own). nullopt when
  // waiting is safe.
  std::optional<Status> RenewByUpdate(Record& record, const Status& refused, Trigger trigger,
                                      WallTime now);
  // Stores a successful renewal (by renew or PUT) with its history row.
  Status Renewed(Record& record, const platform::RemoteSubscription& remote, Trigger trigger,
                 const std::string& detail, WallTime now);
  Status Create(Record& record, store::HistoryKind kind, const std::string& reason, WallTime now,
                const Previous& previous);
  // Create for a record without a remote id: "created" the first time, else "recreated" of the
  // id its history last named.
  Status CreateMissing(Record& record, const std::string& reason, WallTime now);
  // Why an uncertain create's subscription was adopted, for the history row.
  static std::string AdoptedDetail(const Record& record, const platform::RemoteSubscription& kept,
                                   size_t duplicates);
  // Deletes the other subscriptions an uncertain create left at the address (404 is fine; other
  // failures are logged and left to the reconcile).
  void DeleteDuplicates(const Record& record, const std::string& kept,
                        const std::vector<std::string>& ids, WallTime now);
  Status Replace(Record& record, const std::string& reason, WallTime now);
  Status Fail(Record& record, const Status& error, const std::string& what, WallTime now);
  void Apply(Record& record, const platform::RemoteSubscription& remote, WallTime now);
  // The spread fallback timer of a record just renewed or created, never before `now`.
  WallTime NextTimer(const Record& record, WallTime now) const;
  static void ForgetRemote(Record& record);
  static Previous Replacing(const Record& record);
  bool StreakReported(int32_t failures) const;
  std::string LastRemoteId(const Record& record);
  // Appends `facts` (account, name and current id filled in from `record`) to `entry`'s outbox
  // when the record has somewhere to deliver it.
  void Notify(const Record& record, relay::LifecycleFacts facts, store::HistoryEntry& entry,
              WallTime now) const;
  // Notifies "renewal_recovered" when the failure streak this success ended (`streak` long) was
  // reported to the app.
  void NotifyRecovered(const Record& record, int32_t streak, store::HistoryEntry& entry,
                       WallTime now) const;
  store::HistoryEntry Entry(const Record& record, store::HistoryKind kind, std::string detail,
                            WallTime now) const;

  store::SubscriptionStore& store_;
  platform::SubscriptionApi& api_;
  const Clock& clock_;
  const ServiceOptions options_;
  std::function<double()> unit_random_;
  std::function<void(const std::string& account, const std::string& name)> on_remote_change_;
  std::function<void(const std::string& account, const std::string& name)> on_settled_;
};

}  // namespace subkeeper::renewal
