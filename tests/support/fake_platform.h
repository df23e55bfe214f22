// An in-memory SubscriptionApi for tests of the renewal service, scheduler and reconcile:
// subscriptions live in a map, expiry follows the injected clock, and the next calls of a
// method can be scripted to fail. Counts every call by method. Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/platform/api.h"

namespace subkeeper::testing {

class FakePlatform final : public platform::SubscriptionApi {
 public:
  explicit FakePlatform(const Clock& clock) : clock_(clock) {}

  // The next call of `method` ("create", "list", "get", "update", "renew", "delete") fails with
  // `s`.
  void FailNext(const std::string& method, Status s) {
    std::lock_guard lock(mu_);
    failures_[method].push_back(std::move(s));
  }
  // The next create is made on the platform but its answer is lost: the caller gets `s` (a
  // timeout, a dropped connection, a 5xx) although the subscription now exists.
  void LoseNextCreateAnswer(Status s) {
    std::lock_guard lock(mu_);
    lost_creates_.push_back(std::move(s));
  }
  void SetStatus(const std::string& id, const std::string& status, const std::string& reason = "") {
    std::lock_guard lock(mu_);
    subs_.at(id).status = subkeeper::platform::RemoteStatus::Of(status);
    subs_.at(id).blacklisted_reason = reason;
  }
  void Purge(const std::string& id) {
    std::lock_guard lock(mu_);
    subs_.erase(id);
  }
  // Lifetime the platform grants at most (it may clamp silently).
  void SetMaxTtl(int64_t s) {
    std::lock_guard lock(mu_);
    max_ttl_ = s;
  }
  // Adds a subscription created by someone else (for adoption and ownership tests).
  std::string AddExisting(const std::string& account, const std::string& address, int64_t ttl_s,
                          const std::string& status = "Active") {
    std::lock_guard lock(mu_);
    platform::RemoteSubscription sub =
        MakeLocked(account, {"/restapi/v1.0/account/1/extension/2/presence"}, address, ttl_s);
    sub.status = subkeeper::platform::RemoteStatus::Of(status);
    subs_[sub.id] = sub;
    return sub.id;
  }
  int calls(const std::string& method) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(method);
    return it == calls_.end() ? 0 : it->second;
  }
  int total_calls() const {
    std::lock_guard lock(mu_);
    int total = 0;
    for (const auto& [_, n] : calls_) total += n;
    return total;
  }
  std::vector<platform::RemoteSubscription> all() const {
    std::lock_guard lock(mu_);
    std::vector<platform::RemoteSubscription> out;
    for (const auto& [_, sub] : subs_) out.push_back(sub);
    return out;
  }
  std::vector<platform::CreateRequest> creates() const {
    std::lock_guard lock(mu_);
    return creates_;
  }

  Result<platform::RemoteSubscription> Create(const std::string& account,
                                              const platform::CreateRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("create"); !s.ok()) return s;
    creates_.push_back(request);
    auto sub = MakeLocked(account, request.event_filters, request.address, request.expires_in_s);
    subs_[sub.id] = sub;
    if (!lost_creates_.empty()) {
      Status lost = lost_creates_.front();
      lost_creates_.pop_front();
      return lost;
    }
    return sub;
  }
  Result<std::vector<platform::RemoteSubscription>> List(const std::string& account) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("list"); !s.ok()) return s;
    ExpireLocked();
    std::vector<platform::RemoteSubscription> out;
    for (const auto& [id, sub] : subs_) {
      if (owners_[id] == account) out.push_back(WithRemaining(sub));
    }
    return out;
  }
  Result<platform::RemoteSubscription> Get(const std::string& account,
                                           const std::string& id) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("get"); !s.ok()) return s;
    auto found = FindLocked(account, id);
    if (!found.ok()) return found.status();
    return WithRemaining(*found.value());
  }
  Result<platform::RemoteSubscription> Update(const std::string& account, const std::string& id,
                                              const platform::UpdateRequest& request) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("update"); !s.ok()) return s;
    auto found = FindLocked(account, id);
    if (!found.ok()) return found.status();
    auto* sub = found.value();
    sub->event_filters = request.event_filters;
    if (request.expires_in_s) ttl_[id] = std::min(*request.expires_in_s, max_ttl_);
    sub->expiration_time = clock_.Now() + Seconds(ttl_[id]);
    return WithRemaining(*sub);
  }
  Result<platform::RemoteSubscription> Renew(const std::string& account,
                                             const std::string& id) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("renew"); !s.ok()) return s;
    auto found = FindLocked(account, id);
    if (!found.ok()) return found.status();
    auto* sub = found.value();
    sub->expiration_time = clock_.Now() + Seconds(ttl_[id]);
    return WithRemaining(*sub);
  }
  Status Delete(const std::string& account, const std::string& id) override {
    std::lock_guard lock(mu_);
    if (auto s = Take("delete"); !s.ok()) return s;
    auto found = FindLocked(account, id);
    if (!found.ok()) return found.status();
    subs_.erase(id);
    return Status::OK();
  }

 private:
  Status Take(const std::string& method) {
    ++calls_[method];
    auto& queue = failures_[method];
    if (queue.empty()) return Status::OK();
    Status s = queue.front();
    queue.pop_front();
    return s;
  }
  platform::RemoteSubscription MakeLocked(const std::string& account,
                                          std::vector<std::string> filters,
                                          const std::string& address, int64_t ttl_s) {
    platform::RemoteSubscription sub;
    sub.id = "sub-" + std::to_string(++next_id_);
    sub.status = subkeeper::platform::RemoteStatus::Of("Active");
    sub.event_filters = std::move(filters);
    sub.transport_type = "WebHook";
    sub.address = address;
    sub.creation_time = clock_.Now();
    const int64_t granted = std::min(ttl_s, max_ttl_);
    sub.expiration_time = clock_.Now() + Seconds(granted);
    sub.expires_in_s = granted;
    ttl_[sub.id] = granted;
    owners_[sub.id] = account;
    return sub;
  }
  void ExpireLocked() {
    for (auto it = subs_.begin(); it != subs_.end();) {
      it = it->second.expiration_time <= clock_.Now() ? subs_.erase(it) : std::next(it);
    }
  }
  Result<platform::RemoteSubscription*> FindLocked(const std::string& account,
                                                   const std::string& id) {
    ExpireLocked();
    auto it = subs_.find(id);
    if (it == subs_.end() || owners_[id] != account) {
      return Status::NotFound("Resource for parameter [subscriptionId] is not found")
          .WithHttp(404, "CMN-102");
    }
    return &it->second;
  }
  platform::RemoteSubscription WithRemaining(platform::RemoteSubscription sub) const {
    sub.expires_in_s =
        std::chrono::duration_cast<Seconds>(sub.expiration_time - clock_.Now()).count();
    return sub;
  }

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, platform::RemoteSubscription> subs_;
  std::map<std::string, int64_t> ttl_;
  std::map<std::string, std::string> owners_;
  std::map<std::string, std::deque<Status>> failures_;
  std::deque<Status> lost_creates_;
  std::map<std::string, int> calls_;
  std::vector<platform::CreateRequest> creates_;
  int64_t max_ttl_ = 315360000;
  int next_id_ = 0;
};

}  // namespace subkeeper::testing
