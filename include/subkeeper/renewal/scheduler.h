// Drives the renewal service. Tick(now) does one pass over due work and can be called by hand
// (tests, simulations); Start() runs the waiting loop on a thread of its own.
//
// Due work is: reminders queued by the webhook listener (OnReminder, which never blocks), runs
// requested explicitly (Request), and every configured subscription whose persisted
// next_renewal_at has passed. Subscriptions not in the configured set are never touched.
//
// Due times come from the store's schedule index (SubscriptionStore::ListSchedule), a page at a
// time, so a pass costs O(due work + log n), not a scan of every record: 100k idle subscriptions
// cost nothing between due times.
//
// A reminder that should start a renewal (ShouldRenewOnReminder) starts it after a random delay
// of up to min(the reminder filter's interval, threshold / 4, max_reminder_spread)
// (ReminderSpread): the platform reminds every subscription created in the same second in the
// same second, and this keeps thousands of accounts from renewing together cycle after cycle.
// While a reminder of a subscription is delayed, further reminders of it add nothing; when the
// delay is over the renewal runs only if the subscription still needs it (ShouldRenewOnReminder
// again: the timer may have renewed it meanwhile). The delay is held in memory; if the process
// dies meanwhile, the persisted fallback timer (or the next reminder) still renews.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::renewal {

struct SchedulerOptions {
  Seconds max_reminder_spread{3600};  // 0 = renew on the reminder at once
  // Values in [0, 1) for the reminder delay. Unset = no delay.
  std::function<double()> unit_random;
  // Several keepers on one database: work the configured lookup refuses when it would run (a
  // queued request, a reminder that should renew, a delayed reminder) is handed to the
  // account's holder instead of dropped — the record is marked due in the store
  // (RenewalService::MarkDue), where the holder's schedule walk finds it.
  bool hand_off_refused = false;
};

class Scheduler {
 public:
  // `store`, `service` and `clock` must outlive the scheduler.
  Scheduler(store::SubscriptionStore& store, RenewalService& service, const Clock& clock,
            SchedulerOptions options = {});
  ~Scheduler();  // Stop()s

  // Replaces the service renewals go through (after a config reload).
  // REQUIRES: the loop is stopped (Stop() returned, Start() not called since).
  void SetService(RenewalService& service) { service_ = &service; }

  // Whether (account, name) is a configured subscription; called from the loop's thread.
  using IsConfigured = std::function<bool(std::string_view account, std::string_view name)>;
  // Which subscriptions are configured: records that are not are left to the reconcile.
  // Thread-safe. A lookup into the applied config costs nothing per subscription; a set of
  // "account/name" keys (below) cost 8 MB at 100k.
  void SetConfigured(IsConfigured is_configured);
  void SetConfigured(std::set<std::string> keys);

  // A reminder for `subscription_id` arrived on (account, name). Thread-safe, non-blocking.
  void OnReminder(const std::string& account, const std::string& name,
                  const std::string& subscription_id);
  // Runs (account, name) at the next pass with `trigger`. Thread-safe, non-blocking.
  void Request(const std::string& account, const std::string& name, Trigger trigger);

  // Makes the loop re-read due times now (after something else changed the store). Thread-safe.
  void Wake();

  // One pass at the clock's now: queued requests and reminders, delayed reminders that are due,
  // then the schedule from its head — every configured entry whose next_renewal_at has passed,
  // skipping entries not configured, stopping at the first configured entry in the future.
  // Returns when the next pass is due: the earliest of that entry's time, the earliest delayed
  // reminder, and now + kIdleWait. An entry that ran and is due again at once (its lease was
  // held elsewhere, say) is not run twice in one pass; the next pass is then due within
  // kBusyWait.
  WallTime Tick();

  // Runs Tick in a loop on a background thread, sleeping until the next due time or a wake-up.
  void Start();
  void Stop();

  // Reminders delayed and not yet run (for status and tests). Thread-safe.
  size_t delayed_reminders() const;

  static constexpr Seconds kIdleWait{60};
  static constexpr Seconds kBusyWait{1};
  // Schedule pages grow from kFirstPageSize to kPageSize rows as a walk goes on.
  static constexpr int kFirstPageSize = 16;
  static constexpr int kPageSize = 256;

 private:
  struct Work {
    std::string account;
    std::string name;
    std::string subscription_id;  // reminders only
    Trigger trigger;
    WallTime at{};  // delayed reminders: when to run
  };
  using Keys = std::set<std::string>;

  void RunQueued(WallTime now);
  void HandleReminder(const Work& work, WallTime now);
  void RunDelayed(WallTime now);
  // Walks the schedule from its head. With `run`, runs due configured entries not in `ran` (and
  // adds them to it). Returns the time the head of the remaining work is due: the first
  // configured entry in the future, or now + kBusyWait for an entry already run and still due;
  // nullopt when there is none, or on a store error (`failed` set).
  std::optional<WallTime> Walk(WallTime now, const IsConfigured& configured, bool run, Keys& ran,
                               bool& failed);
  void RunOne(const std::string& account, const std::string& name, Trigger trigger);
  // Runs (account, name) when the configured lookup takes it; otherwise hands it off (see
  // SchedulerOptions::hand_off_refused) or drops it.
  void RunIfConfigured(const std::string& account, const std::string& name, Trigger trigger,
                       WallTime now);
  void HandOff(const std::string& account, const std::string& name, WallTime now);
  void Loop();
  std::shared_ptr<const IsConfigured> Configured() const;

  store::SubscriptionStore& store_;
  RenewalService* service_;  // never null; swapped only while stopped
  const Clock& clock_;
  const SchedulerOptions options_;

  mutable Mutex mu_;
  CondVar wake_;
  std::shared_ptr<const IsConfigured> configured_ GUARDED_BY(mu_);  // never null
  std::deque<Work> queue_ GUARDED_BY(mu_);
  std::map<std::string, Work> delayed_ GUARDED_BY(mu_);  // "account/name" → delayed reminder
  std::set<std::pair<WallTime, std::string>> delayed_order_ GUARDED_BY(mu_);  // (at, key)
  bool stopping_ GUARDED_BY(mu_) = false;
  bool poked_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace subkeeper::renewal
