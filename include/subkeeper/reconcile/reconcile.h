// One reconcile pass of the declarative controller: desired (config) × known (store) ×
// observed (one list call per account) → a Plan (pure, planner.h) → applied by the Executor.
// Used at start-up, on SIGHUP or a config change, on the periodic cadence, and by the
// `plan` / `apply` commands.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/reconcile/planner.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::reconcile {

// The record a configured subscription should have: identity, desired definition (filters,
// lifetime, reminder filter, delivery address, relay target) and the fingerprint of the
// verification token derived from `webhook_secret`. Observed fields are left empty.
store::SubscriptionRecord DesiredRecord(const config::SubscriptionConfig& sub,
                                        const std::string& public_url,
                                        const Secret& webhook_secret);
std::vector<store::SubscriptionRecord> DesiredRecords(const config::Config& config,
                                                      const std::string& public_url);

// The base URL relayed subscriptions are delivered under: config.public_url, or when it is empty
// "http://<listen.webhooks host>:<port>" (0.0.0.0 shown as 127.0.0.1), no trailing slash.
std::string EffectivePublicUrl(const config::Config& config, int webhook_port);

struct Planned {
  std::vector<store::SubscriptionRecord> desired;
  std::map<std::string, std::vector<platform::RemoteSubscription>> observed;
  // "account/name" → the record's remote id when the plan was made ("" = none), for every
  // record the plan read. The store is read before the list calls, so anything that changed a
  // record after that shows as a different id when the executor acts (renewal/service.h).
  std::map<std::string, std::string> known_remote_ids;
  Plan plan;
  std::vector<std::string> list_errors;  // per account whose list call failed
};

// Reads the store, then lists every configured account once, and plans. Store errors are
// returned; a failed list call only marks its account unavailable in the plan. The store is read
// first on purpose: a subscription the timer creates while the list is in flight then shows up as
// a changed remote id (and the stale decision is dropped), never as a record that looks missing
// from a list taken before it existed.
//
// With `accounts`, only those accounts are listed and planned for: desired and known records of
// other accounts are left out, so nothing is planned for them. Records of an account that is no
// longer configured are planned (kForget) by a pass over every account (no `accounts`) or by a
// pass whose `accounts` names it (it is not listed: it has no credentials); a pass over other
// accounts leaves them alone. Names removed from a configured account are forgotten by any pass
// over that account.
//
// Cost: one list call per configured account in the pass, and one read of every stored record
// (the store has no per-account listing): pass several due accounts at once rather than one
// call per account when there are many records.
//
// `index` (IndexByAccount of the same config), when given with `accounts`, makes the pass touch
// only those accounts' subscriptions instead of walking the whole config: per-account passes over
// thousands of accounts would otherwise cost accounts × subscriptions per audit cycle.
using AccountIndex = std::map<std::string, std::vector<size_t>, std::less<>>;
// Every configured account (also those without subscriptions) → the indexes of its
// subscriptions in config.subscriptions, in order.
AccountIndex IndexByAccount(const config::Config& config);
// The configured subscription (account, name) of `config`, through its `index`; null if none.
const config::SubscriptionConfig* FindConfigured(const config::Config& config,
                                                 const AccountIndex& index,
                                                 std::string_view account, std::string_view name);
Result<Planned> PlanReconcile(const config::Config& config, const std::string& public_url,
                              store::SubscriptionStore& store, platform::SubscriptionApi& api,
                              WallTime now, const std::set<std::string>* accounts = nullptr,
                              const AccountIndex* index = nullptr);

}  // namespace subkeeper::reconcile
