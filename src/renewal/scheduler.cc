#include "subkeeper/renewal/scheduler.h"

#include <spdlog/spdlog.h>

namespace subkeeper::renewal {

Scheduler::Scheduler(store::Store& store, RenewalService& service, const Clock& clock,
                     SchedulerOptions /*options*/)
    : store_(store), service_(&service), clock_(clock) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::SetConfigured(std::set<std::string> keys) {
  {
    std::lock_guard lock(mu_);
    configured_ = std::move(keys);
    poked_ = true;
  }
  wake_.notify_all();
}

void Scheduler::Wake() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

void Scheduler::OnReminder(const std::string& account, const std::string& name,
                           const std::string& subscription_id) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({account, name, subscription_id, Trigger::kReminder});
  }
  wake_.notify_all();
}

void Scheduler::Request(const std::string& account, const std::string& name, Trigger trigger) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({account, name, "", trigger});
  }
  wake_.notify_all();
}

WallTime Scheduler::Tick() {
  const WallTime now = clock_.Now();
  RunQueued(now);
  std::set<std::string> configured;
  {
    std::lock_guard lock(mu_);
    configured = configured_;
  }
  auto records = store_.ListSubscriptions();
  if (!records.ok()) {
    spdlog::error("scheduler: cannot read subscriptions: {}", records.status().ToString());
    return now + Seconds(5);
  }
  WallTime next = now + kIdleWait;
  std::vector<const store::SubscriptionRecord*> ran;
  for (const auto& record : *records) {
    if (!configured.count(record.account + "/" + record.name)) continue;
    // Unset (epoch) = not scheduled: a record the reconcile has not acted on yet.
    if (record.next_renewal_at == WallTime{}) continue;
    if (record.next_renewal_at <= now) {
      RunOne(record.account, record.name, Trigger::kTimer);
      ran.push_back(&record);
    } else {
      next = std::min(next, record.next_renewal_at);
    }
  }
  // Only the runs above moved due times: read those back instead of scanning everything again.
  for (const auto* record : ran) {
    auto after = store_.GetSubscription(record->account, record->name);
    if (after.ok() && after.value() && (*after)->next_renewal_at != WallTime{}) {
      next = std::min(next, (*after)->next_renewal_at);
    }
  }
  return next;
}

void Scheduler::RunQueued(WallTime now) {
  std::deque<Work> work;
  {
    std::lock_guard lock(mu_);
    work.swap(queue_);
  }
  for (const auto& item : work) {
    if (item.trigger == Trigger::kReminder) {
      HandleReminder(item, now);
    } else {
      RunOne(item.account, item.name, item.trigger);
    }
  }
}

void Scheduler::HandleReminder(const Work& work, WallTime now) {
  auto record = store_.GetSubscription(work.account, work.name);
  if (!record.ok() || !record.value()) return;
  store::SubscriptionRecord updated = **record;
  if (updated.remote_id != work.subscription_id) return;  // a reminder of a replaced subscription
  updated.last_reminder_at = now;
  Status saved = store_.PutSubscription(updated, std::nullopt);
  if (!saved.ok())
    spdlog::warn("recording reminder of {}/{}: {}", work.account, work.name, saved.ToString());
  if (ShouldRenewOnReminder(updated, work.subscription_id, now)) {
    RunOne(work.account, work.name, Trigger::kReminder);
  }
}

void Scheduler::RunOne(const std::string& account, const std::string& name, Trigger trigger) {
  Status status = service_->Run(account, name, trigger);
  if (status.code() == StatusCode::kAborted) {
    spdlog::debug("{}", status.message());
  } else if (!status.ok()) {
    spdlog::error("renewal of {}/{} ({}): {}", account, name, TriggerName(trigger),
                  status.ToString());
  }
}

void Scheduler::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  while (true) {
    const WallTime next = Tick();
    std::unique_lock lock(mu_);
    if (stopping_) return;
    // Wait in slices of at most a minute so a wall-clock jump is noticed.
    const auto wait = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_.Now()),
        std::chrono::milliseconds(0), std::chrono::milliseconds(60000));
    wake_.wait_for(lock, wait, [this] { return stopping_ || poked_ || !queue_.empty(); });
    poked_ = false;
    if (stopping_) return;
  }
}

}  // namespace subkeeper::renewal
