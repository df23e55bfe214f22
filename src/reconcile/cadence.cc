#include "subkeeper/reconcile/cadence.h"

#include <algorithm>

namespace subkeeper::reconcile {
namespace {

// `base` scaled by `share` in [0, 1], at millisecond precision: seconds would put a thousand
// accounts spread over a minute on only sixty distinct instants.
Millis Scaled(Seconds base, double share) {
  const double ms = static_cast<double>(Millis(base).count()) * std::clamp(share, 0.0, 1.0);
  return Millis(static_cast<int64_t>(ms));
}

}  // namespace

ReconcileCadence::ReconcileCadence(CadenceOptions options, std::function<double()> unit_random)
    : options_(options), unit_random_(std::move(unit_random)) {}

void ReconcileCadence::SetOptions(CadenceOptions options) { options_ = options; }

void ReconcileCadence::SetAccounts(const std::set<std::string>& accounts, WallTime now,
                                   Seconds spread) {
  for (auto it = due_.begin(); it != due_.end();) {
    if (accounts.count(it->first)) {
      ++it;
      continue;
    }
    order_.erase({it->second, it->first});
    it = due_.erase(it);
  }
  for (const auto& account : accounts) {
    if (due_.count(account)) continue;
    const WallTime at = spread > Seconds(0) ? now + Scaled(spread, unit_random_()) : now;
    due_.emplace(account, at);
    order_.insert({at, account});
  }
}

void ReconcileCadence::Done(const std::string& account, bool complete, WallTime now) {
  auto it = due_.find(account);
  if (it == due_.end()) return;
  order_.erase({it->second, account});
  it->second = Jittered(now, complete ? options_.interval : options_.retry);
  order_.insert({it->second, account});
}

void ReconcileCadence::Expedite(const std::string& account, WallTime now) {
  for (auto& [name, at] : due_) {
    if (!account.empty() && name != account) continue;
    if (at <= now) continue;  // already due: keep its place in the queue
    order_.erase({at, name});
    at = now;
    order_.insert({at, name});
  }
}

std::vector<std::string> ReconcileCadence::Due(WallTime now, size_t max) const {
  std::vector<std::string> due;
  for (const auto& [at, account] : order_) {
    if (at > now || due.size() >= max) break;
    due.push_back(account);
  }
  return due;
}

std::optional<WallTime> ReconcileCadence::Next() const {
  if (order_.empty()) return std::nullopt;
  return order_.begin()->first;
}

std::optional<WallTime> ReconcileCadence::DueAt(const std::string& account) const {
  auto it = due_.find(account);
  if (it == due_.end()) return std::nullopt;
  return it->second;
}

WallTime ReconcileCadence::Jittered(WallTime from, Seconds base) const {
  // × [0.9, 1.1): accounts reconciled together drift apart instead of staying in step.
  const Millis ms = Millis(base);
  return from + ms - ms / 10 + Scaled(base, unit_random_() / 5);
}

}  // namespace subkeeper::reconcile
