// Drives the renewal service. Tick(now) does one pass over due work and can be called by hand
// (tests, simulations); Start() runs the waiting loop on a thread of its own.
//
// Due work is: reminders queued by the webhook listener (OnReminder, which never blocks), runs
// requested explicitly (Request), and every configured subscription whose persisted
// next_renewal_at has passed. Subscriptions not in the configured set are never touched.
//
// Due times come from the store's schedule index (Store::ListSchedule), a page at a time, so a
// pass costs O(due work + log n), not a scan of every record: 100k idle subscriptions cost
// nothing between due times.
//
// A reminder that should start a renewal (ShouldRenewOnReminder) starts it after a random delay
// of up to min(the reminder filter's interval, threshold / 4, max_reminder_spread): the platform
// reminds every subscription created in the same second in the same second, and this keeps
// thousands of accounts from renewing together cycle after cycle. The delay is held in memory; if
// the process dies meanwhile, the persisted fallback timer (or the next reminder) still renews.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "subkeeper/common/clock.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/store.h"

namespace subkeeper::renewal {

struct SchedulerOptions {
  Seconds max_reminder_spread{3600};  // 0 = renew on the reminder at once
  // Values in [0, 1) for the reminder delay. Unset = no delay.
  std::function<double()> unit_random;
};

class Scheduler {
 public:
  // `store`, `service` and `clock` must outlive the scheduler.
  Scheduler(store::Store& store, RenewalService& service, const Clock& clock,
            SchedulerOptions options = {});
  ~Scheduler();  // Stop()s

  // Replaces the service renewals go through (after a config reload).
  // REQUIRES: the loop is stopped (Stop() returned, Start() not called since).
  void SetService(RenewalService& service) { service_ = &service; }

  // The keys ("account/name") of the configured subscriptions. Thread-safe.
  void SetConfigured(std::set<std::string> keys);

  // A reminder for `subscription_id` arrived on (account, name). Thread-safe, non-blocking.
  void OnReminder(const std::string& account, const std::string& name,
                  const std::string& subscription_id);
  // Runs (account, name) at the next pass with `trigger`. Thread-safe, non-blocking.
  void Request(const std::string& account, const std::string& name, Trigger trigger);

  // Makes the loop re-read due times now (after something else changed the store). Thread-safe.
  void Wake();

  // One pass at the clock's now. Returns when the next pass is due (the earliest of: persisted
  // next_renewal_at among configured subscriptions, delayed reminders; or now + idle_wait when
  // there is none).
  WallTime Tick();

  // Runs Tick in a loop on a background thread, sleeping until the next due time or a wake-up.
  void Start();
  void Stop();

  static constexpr Seconds kIdleWait{60};

 private:
  struct Work {
    std::string account;
    std::string name;
    std::string subscription_id;  // reminders only
    Trigger trigger;
  };
  void RunQueued(WallTime now);
  void HandleReminder(const Work& work, WallTime now);
  void RunOne(const std::string& account, const std::string& name, Trigger trigger);
  void Loop();

  store::Store& store_;
  RenewalService* service_;  // never null; swapped only while stopped
  const Clock& clock_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> configured_;  // guarded by mu_
  std::deque<Work> queue_;            // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  bool poked_ = false;                // guarded by mu_
  std::thread thread_;
};

}  // namespace subkeeper::renewal
