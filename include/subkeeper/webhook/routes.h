// What the webhook listener knows about each relayed subscription, published by the keeper and
// read by request handlers without touching the store. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "subkeeper/common/mutex.h"
#include "subkeeper/common/secret.h"

namespace subkeeper::webhook {

// Kept small: the keeper holds one per stored subscription (100k of them at scale). The account
// and name are the route's key; the reminder filter is shared by every route that has the same
// one (see Interned).
struct Route {
  Secret verification_token;
  // The exact event string of this subscription's reminders; never null.
  std::shared_ptr<const std::string> reminder_filter;
  std::string remote_id;  // current remote subscription id ("" while none)
  // deliver_to is set: events are stored "pending" for the relay; otherwise stored as "none".
  bool relayed = false;
};

// Hands out one shared copy of each distinct string it is given (reminder filters: a fleet has a
// handful of distinct ones across 100k subscriptions). Not thread-safe; use one per publish.
class Interned {
 public:
  std::shared_ptr<const std::string> operator()(const std::string& text) {
    auto it = strings_.find(text);
    if (it == strings_.end())
      it = strings_.emplace(text, std::make_shared<const std::string>(text)).first;
    return it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> strings_;
};

// Keyed by "<account>/<name>".
using RouteMap = std::map<std::string, Route>;

// Updated per subscription or per account as remote ids change (a recreation touches one
// entry, never the whole table: with 100k subscriptions a full republish per change made mass
// recreations quadratic). Readers get a shared pointer to one immutable Route, so a request
// keeps its route even if it is replaced meanwhile.
class RouteTable {
 public:
  // The route of `key`, or null.
  std::shared_ptr<const Route> Find(const std::string& key) const {
    ReaderMutexLock lock(mu_);
    auto it = routes_.find(key);
    return it == routes_.end() ? nullptr : it->second;
  }
  // Replaces every route.
  void Publish(RouteMap routes) {
    std::map<std::string, std::shared_ptr<const Route>, std::less<>> next;
    for (auto& [key, route] : routes)
      next.emplace(key, std::make_shared<const Route>(std::move(route)));
    WriterMutexLock lock(mu_);
    routes_.swap(next);
  }
  // Sets (or with nullopt removes) the route of `key`.
  void Update(const std::string& key, std::optional<Route> route) {
    std::shared_ptr<const Route> next =
        route ? std::make_shared<const Route>(std::move(*route)) : nullptr;
    WriterMutexLock lock(mu_);
    if (next) {
      routes_[key] = std::move(next);
    } else {
      routes_.erase(key);
    }
  }
  // Replaces the routes of `account` (keys "<account>/…") with `routes`.
  void PublishAccount(const std::string& account, RouteMap routes) {
    const std::string prefix = account + "/";
    WriterMutexLock lock(mu_);
    for (auto it = routes_.lower_bound(prefix);
         it != routes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      it = routes_.erase(it);
    }
    for (auto& [key, route] : routes)
      routes_[key] = std::make_shared<const Route>(std::move(route));
  }
  size_t size() const {
    ReaderMutexLock lock(mu_);
    return routes_.size();
  }

 private:
  mutable SharedMutex mu_;
  std::map<std::string, std::shared_ptr<const Route>, std::less<>> routes_ GUARDED_BY(mu_);
};

}  // namespace subkeeper::webhook
