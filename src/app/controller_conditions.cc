// The controller's condition tracking: conditions are derived from a record and its account's
// state; when each last changed is stored when a renewal attempt settles, never on a read.

#include <map>
#include <utility>

#include "subkeeper/app/controller.h"
#include "subkeeper/common/log.h"

namespace subkeeper::app {
namespace {

// Keyed by copies: the rows read are gone once ReadTransitions returns.
using TransitionsByKey =
    std::map<std::pair<std::string, std::string>, std::vector<store::ConditionTransition>>;

// The account states the conditions of `records` need: one account's when there is one record
// (after every renewal attempt: not a copy of every account's state), all of them otherwise.
std::map<std::string, platform::AccountStatus, std::less<>> AccountsFor(
    const std::vector<store::SubscriptionRecord>& records, platform::RestClient* api) {
  std::map<std::string, platform::AccountStatus, std::less<>> accounts;
  if (api == nullptr) return accounts;
  if (records.size() == 1) {
    if (auto account = api->AccountOf(records[0].account))
      accounts.emplace(account->account, std::move(*account));
    return accounts;
  }
  for (auto& account : api->Accounts()) accounts.emplace(account.account, std::move(account));
  return accounts;
}

// The stored transitions of `records`: one subscription's own rows; more, all rows in one read,
// grouped by key. The status of the read is returned so a caller never mistakes "unread" for
// "none stored" (every condition would then look new).
Status ReadTransitions(store::Store& store, const std::vector<store::SubscriptionRecord>& records,
                       TransitionsByKey& out) {
  store::SubscriptionKey only;
  if (records.size() == 1) only = {records[0].account, records[0].name};
  auto stored = store.ListConditionTransitions(records.size() == 1 ? &only : nullptr);
  if (!stored.ok()) return stored.status();
  for (auto& t : *stored) out[{t.account, t.name}].push_back(std::move(t));
  return Status::OK();
}

struct Derived {
  std::vector<std::vector<renewal::Condition>> conditions;  // one entry per record
  std::vector<store::ConditionTransition> changed;          // not stored yet
  bool read = false;                                        // the stored ones were read
};

Derived Derive(store::Store& store, platform::RestClient* api,
               const std::vector<store::SubscriptionRecord>& records, WallTime now) {
  Derived out;
  out.conditions.reserve(records.size());
  const auto accounts = AccountsFor(records, api);
  TransitionsByKey by_key;
  out.read = ReadTransitions(store, records, by_key).ok();
  static const std::vector<store::ConditionTransition> kNone;
  for (const auto& record : records) {
    auto account = accounts.find(record.account);
    auto conditions = renewal::DeriveConditions(
        record, now, account != accounts.end() ? &account->second : nullptr);
    auto it = by_key.find({record.account, record.name});
    auto transitions =
        renewal::Track(record, conditions, it != by_key.end() ? it->second : kNone, now);
    out.changed.insert(out.changed.end(), std::make_move_iterator(transitions.begin()),
                       std::make_move_iterator(transitions.end()));
    out.conditions.push_back(std::move(conditions));
  }
  return out;
}

}  // namespace

std::vector<std::vector<renewal::Condition>> Controller::ConditionsOf(
    const std::vector<store::SubscriptionRecord>& records) {
  return Derive(*store_, Api().get(), records, env_.clock->Now()).conditions;
}

void Controller::TrackConditions(const std::string& account, const std::string& name) {
  auto record = store_->GetSubscription(account, name);
  if (!record.ok() || !record->has_value()) return;
  StoreTransitions({**record});
}

void Controller::StoreTransitions(const std::vector<store::SubscriptionRecord>& all) {
  std::vector<store::SubscriptionRecord> held;
  if (claims_) {
    for (const auto& record : all) {
      if (Acts(record.account)) held.push_back(record);
    }
  }
  const std::vector<store::SubscriptionRecord>& records = claims_ ? held : all;
  // A few records read their own transitions one by one (an account after its reconcile); more
  // read every stored transition at once (the sweep).
  constexpr size_t kOneByOne = 64;
  std::vector<store::ConditionTransition> changed;
  auto derive = [&](const std::vector<store::SubscriptionRecord>& some) {
    Derived derived = Derive(*store_, Api().get(), some, env_.clock->Now());
    // Only when the stored ones were read: otherwise every condition would look new.
    if (!derived.read) return;
    changed.insert(changed.end(), std::make_move_iterator(derived.changed.begin()),
                   std::make_move_iterator(derived.changed.end()));
  };
  if (records.size() > kOneByOne) {
    derive(records);
  } else {
    for (const auto& record : records) derive({record});
  }
  if (changed.empty()) return;
  if (Status saved = store_->PutConditionTransitions(changed); !saved.ok()) {
    logging::KeeperLog().warn("storing condition transitions: {}", saved.ToString());
  }
}

}  // namespace subkeeper::app
