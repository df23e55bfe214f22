// What the webhook listener knows about each relayed subscription, published by the keeper and
// read by request handlers without touching the store. Thread-safe: readers take an immutable
// snapshot; Publish swaps it atomically.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "subkeeper/common/secret.h"

namespace subkeeper::webhook {

struct Route {
  std::string account;
  std::string name;
  Secret verification_token;
  std::string reminder_filter;  // the exact event string of this subscription's reminders
  std::string remote_id;        // current remote subscription id ("" while none)
  // deliver_to is set: events are stored "pending" for the relay; otherwise stored as "none".
  bool relayed = false;
};

// Keyed by "<account>/<name>".
using RouteMap = std::map<std::string, Route>;

class RouteTable {
 public:
  std::shared_ptr<const RouteMap> Snapshot() const {
    std::lock_guard lock(mu_);
    return routes_;
  }
  void Publish(RouteMap routes) {
    auto next = std::make_shared<const RouteMap>(std::move(routes));
    std::lock_guard lock(mu_);
    routes_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const RouteMap> routes_ = std::make_shared<const RouteMap>();  // guarded by mu_
};

}  // namespace subkeeper::webhook
