#include "subkeeper/renewal/scheduler.h"

#include <algorithm>

#include "subkeeper/common/log.h"

namespace subkeeper::renewal {
namespace {

std::string KeyOf(const std::string& account, const std::string& name) {
  return account + "/" + name;
}

}  // namespace

Scheduler::Scheduler(store::SubscriptionStore& store, RenewalService& service, const Clock& clock,
                     SchedulerOptions options)
    : store_(store),
      service_(&service),
      clock_(clock),
      options_(std::move(options)),
      configured_(std::make_shared<const IsConfigured>(
          [](std::string_view, std::string_view) { return false; })) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::SetConfigured(std::set<std::string> keys) {
  SetConfigured([keys = std::move(keys)](std::string_view account, std::string_view name) {
    std::string key;
    key.reserve(account.size() + 1 + name.size());
    key.append(account).append("/").append(name);
    return keys.contains(key);
  });
}

void Scheduler::SetConfigured(IsConfigured is_configured) {
  auto shared = std::make_shared<const IsConfigured>(std::move(is_configured));
  {
    MutexLock lock(mu_);
    configured_ = std::move(shared);
    poked_ = true;
  }
  wake_.SignalAll();
}

std::shared_ptr<const Scheduler::IsConfigured> Scheduler::Configured() const {
  MutexLock lock(mu_);
  return configured_;
}

void Scheduler::Wake() {
  {
    MutexLock lock(mu_);
    poked_ = true;
  }
  wake_.SignalAll();
}

void Scheduler::OnReminder(const std::string& account, const std::string& name,
                           const std::string& subscription_id) {
  {
    MutexLock lock(mu_);
    queue_.push_back({account, name, subscription_id, Trigger::kReminder});
  }
  wake_.SignalAll();
}

void Scheduler::Request(const std::string& account, const std::string& name, Trigger trigger) {
  {
    MutexLock lock(mu_);
    queue_.push_back({account, name, "", trigger});
  }
  wake_.SignalAll();
}

size_t Scheduler::delayed_reminders() const {
  MutexLock lock(mu_);
  return delayed_.size();
}

WallTime Scheduler::Tick() {
  const WallTime now = clock_.Now();
  RunQueued(now);
  RunDelayed(now);
  const auto configured = Configured();
  Keys ran;
  bool failed = false;
  std::optional<WallTime> head = Walk(now, *configured, /*run=*/true, ran, failed);
  // Runs moved their entries; only a second look from the head tells where they went (one
  // indexed page, not a scan).
  if (!ran.empty() && !failed) head = Walk(now, *configured, /*run=*/false, ran, failed);
  WallTime next = failed ? now + Seconds(5) : now + kIdleWait;
  if (head) next = std::min(next, *head);
  MutexLock lock(mu_);
  if (!delayed_order_.empty()) next = std::min(next, delayed_order_.begin()->first);
  return next;
}

std::optional<WallTime> Scheduler::Walk(WallTime now, const IsConfigured& configured, bool run,
                                        Keys& ran, bool& failed) {
  std::optional<store::ScheduleEntry> after;
  std::optional<WallTime> head;
  // Usually the head is in the first few rows: start small, grow while the walk goes on.
  int limit = kFirstPageSize;
  while (true) {
    auto page = store_.ListSchedule(after, limit);
    if (!page.ok()) {
      logging::RenewalLog().error("scheduler: cannot read the schedule: {}",
                                  page.status().ToString());
      failed = true;
      return head;
    }
    for (const auto& entry : *page) {
      // Records not configured (yet, or any more) are the reconcile's business, never run here.
      if (!configured(entry.account, entry.name)) continue;
      const std::string key = KeyOf(entry.account, entry.name);
      if (entry.next_renewal_at > now)
        return std::min(head.value_or(entry.next_renewal_at), entry.next_renewal_at);
      if (ran.count(key)) {
        // Ran in this pass and due again at once: the next pass, not this one, retries it.
        head = std::min(head.value_or(now + kBusyWait), now + kBusyWait);
      } else if (run) {
        ran.insert(key);
        RunOne(entry.account, entry.name, Trigger::kTimer);
      } else {
        return now;  // due and not run (it fell due behind the walk): the next pass runs it
      }
    }
    if (page->size() < static_cast<size_t>(limit)) return head;
    after = page->back();
    limit = std::min(limit * 4, kPageSize);
  }
}

void Scheduler::RunQueued(WallTime now) {
  std::deque<Work> work;
  {
    MutexLock lock(mu_);
    work.swap(queue_);
  }
  for (const auto& item : work) {
    if (item.trigger == Trigger::kReminder) {
      HandleReminder(item, now);
    } else {
      RunIfConfigured(item.account, item.name, item.trigger, now);
    }
  }
}

void Scheduler::HandleReminder(const Work& work, WallTime now) {
  auto record = store_.GetSubscription(work.account, work.name);
  if (!record.ok() || !record.value()) return;
  const store::SubscriptionRecord& seen = **record;
  if (seen.remote_id != work.subscription_id) return;  // a reminder of a replaced subscription
  // Under the lease: a write from here must not overwrite what a renewal in flight writes.
  Status saved = service_->RecordReminder(work.account, work.name, work.subscription_id, now);
  if (!saved.ok() && saved.code() != StatusCode::kAborted)
    logging::RenewalLog({work.account, work.name, work.subscription_id})
        .warn("recording a reminder: {}", saved.ToString());
  if (!ShouldRenewOnReminder(seen, work.subscription_id, now)) return;
  if (!(*Configured())(work.account, work.name)) {
    HandOff(work.account, work.name, now);  // no spread: the holder renews at its next walk
    return;
  }
  const std::string key = KeyOf(work.account, work.name);
  const Seconds spread = ReminderSpread(seen.reminder, options_.max_reminder_spread);
  const double share = options_.unit_random ? std::clamp(options_.unit_random(), 0.0, 1.0) : 0.0;
  const auto delay =
      Millis(static_cast<int64_t>(static_cast<double>(Millis(spread).count()) * share));
  {
    MutexLock lock(mu_);
    if (delayed_.count(key)) return;  // already waiting to renew: one renewal per window
    if (delay > Millis(0)) {
      Work later = work;
      later.at = now + delay;
      delayed_order_.insert({later.at, key});
      delayed_.emplace(key, std::move(later));
      return;
    }
  }
  RunOne(work.account, work.name, Trigger::kReminder);
}

void Scheduler::RunDelayed(WallTime now) {
  std::vector<Work> due;
  {
    MutexLock lock(mu_);
    while (!delayed_order_.empty() && delayed_order_.begin()->first <= now) {
      auto it = delayed_.find(delayed_order_.begin()->second);
      due.push_back(std::move(it->second));
      delayed_.erase(it);
      delayed_order_.erase(delayed_order_.begin());
    }
  }
  for (const auto& work : due) {
    // The timer (or a request) may have renewed it meanwhile: then renewing again is waste.
    auto record = store_.GetSubscription(work.account, work.name);
    if (!record.ok() || !record.value()) continue;
    if (!ShouldRenewOnReminder(**record, work.subscription_id, now)) continue;
    // The claim may have passed to another keeper during the delay.
    RunIfConfigured(work.account, work.name, Trigger::kReminder, now);
  }
}

void Scheduler::RunIfConfigured(const std::string& account, const std::string& name,
                                Trigger trigger, WallTime now) {
  if ((*Configured())(account, name)) {
    RunOne(account, name, trigger);
  } else {
    HandOff(account, name, now);
  }
}

void Scheduler::HandOff(const std::string& account, const std::string& name, WallTime now) {
  if (!options_.hand_off_refused) return;
  Status marked = service_->MarkDue(account, name, now);
  if (!marked.ok() && marked.code() != StatusCode::kAborted &&
      marked.code() != StatusCode::kNotFound) {
    logging::RenewalLog({account, name})
        .warn("handing the renewal to the account's holder: {}", marked.ToString());
  }
}

void Scheduler::RunOne(const std::string& account, const std::string& name, Trigger trigger) {
  Status status = service_->Run(account, name, trigger);
  if (status.code() == StatusCode::kAborted) {
    logging::RenewalLog({account, name}).debug("{}", status.message());
  } else if (!status.ok()) {
    logging::RenewalLog({account, name})
        .error("renewal ({}) failed: {}", TriggerName(trigger), status.ToString());
  }
}

void Scheduler::Start() {
  MutexLock lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  while (true) {
    const WallTime next = Tick();
    MutexLock lock(mu_);
    if (stopping_) return;
    // Wait in slices of at most a minute so a wall-clock jump is noticed.
    const auto wait = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_.Now()),
        std::chrono::milliseconds(0), std::chrono::milliseconds(60000));
    const SteadyTime deadline = std::chrono::steady_clock::now() + wait;
    while (!stopping_ && !poked_ && queue_.empty()) {
      if (!wake_.WaitUntil(mu_, deadline)) break;
    }
    poked_ = false;
    if (stopping_) return;
  }
}

}  // namespace subkeeper::renewal
