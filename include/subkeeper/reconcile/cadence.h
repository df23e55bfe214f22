// When each account is next reconciled. Accounts are reconciled one at a time (one list call
// each), never all in the same second:
//   - an account newly added (start-up, or a reload that adds it) is due within `spread` of
//     being added, at a random point of [0, spread) (its position in the spread is random, so
//     thousands of accounts do not list at once);
//   - after a complete pass it is due again after interval × [0.9, 1.1);
//   - after an incomplete pass (list failed, an action failed) after `retry` × [0.9, 1.1);
//   - Expedite() makes it (or every account) due now (a config reload, `subkeeper apply`).
// Pure bookkeeping: no I/O, no clock reads (time is an argument), randomness injected.
// Not thread-safe: owned by one thread (the daemon loop, or the simulation).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"

namespace subkeeper::reconcile {

struct CadenceOptions {
  Seconds interval{900};
  Seconds retry{30};
};

class ReconcileCadence {
 public:
  // `unit_random` returns values in [0, 1).
  ReconcileCadence(CadenceOptions options, std::function<double()> unit_random);

  // Replaces the option values; due times already set are kept.
  void SetOptions(CadenceOptions options);

  // Makes `accounts` the set reconciled: accounts not seen before are due at a random point of
  // [now, now + spread) (at `now` when spread is 0); accounts no longer listed are dropped;
  // the others keep their due time.
  void SetAccounts(const std::set<std::string>& accounts, WallTime now, Seconds spread);

  // Records a pass over `account` that ended at `now`. Unknown accounts are ignored.
  void Done(const std::string& account, bool complete, WallTime now);

  // Makes `account` due at `now` ("" = every account).
  void Expedite(const std::string& account, WallTime now);

  // Accounts due at `now` (due time <= now), earliest first (ties by name), at most `max`.
  std::vector<std::string> Due(WallTime now, size_t max) const;

  // The earliest due time; nullopt when there is no account.
  std::optional<WallTime> Next() const;

  // The due time of `account`; nullopt when unknown.
  std::optional<WallTime> DueAt(const std::string& account) const;

  size_t size() const { return due_.size(); }

 private:
  WallTime Jittered(WallTime from, Seconds base) const;

  CadenceOptions options_;
  std::function<double()> unit_random_;
  std::map<std::string, WallTime> due_;               // account → due time
  std::set<std::pair<WallTime, std::string>> order_;  // (due time, account)
};

}  // namespace subkeeper::reconcile
