// The pure planner of the declarative controller: desired (config) × known (store) × observed
// (one list call per account) → the actions that make the platform match the config.
// No I/O; deterministic for the same input whatever the order of its vectors: actions are sorted
// by (account, name, kind in declaration order, remote id), so an orphan (name "") comes first.
// Thread-safety: pure functions of their arguments.
//
// Ownership (DESIGN.md "Ownership by address"): a remote subscription is ours when
//   - its address starts with `<public_url>/webhooks/` (relay mode), or
//   - its id is the remote_id of a known record (direct mode, or any record we created).
// Nothing else is ever updated, recreated or deleted, whatever its filters or address. Pruning
// (kDelete) is narrower still: a subscription listed for account A is deleted only when its
// address is under `<public_url>/webhooks/A/`, since two configured accounts may be one platform
// user and list the same subscriptions.
//
// Per desired subscription (account, name), the first matching row wins, except that a filter and
// a lifetime change make one kUpdate whose reason names both ("…; lifetime 120s → 300s"):
//   known remote id, observed:
//     address differs from the desired one         → kRecreate "address changed: <old> → <new>"
//     token fingerprint differs (secret rotated)   → kRecreate "verification token changed …"
//                                                    (only when both fingerprints are non-empty)
//     status not "Active"                          → kRecreate "status <status>"
//     (delete-then-create
//                                                    is done by the executor for the same address)
//     filters differ                               → kUpdate "filters changed: +<added> -<removed>"
//       (desired = event_filters + reminder_filter, observed = as returned, under FiltersMatch)
//     requested lifetime differs from the known    → kUpdate "lifetime <known>s → <desired>s"
//       one (known.expires_in_s, the lifetime last applied; 0 = unknown, never compared)
//     expiration_time <= now, or next_renewal_at   → kRenew "renewal due" (an unset WallTime
//       <= now                                       never makes a renewal due)
//     otherwise                                    → nothing (no action emitted)
//   known remote id, not observed (purged/deleted) → kCreate "missing on the platform"
//   no known remote id (store lost, or never created):
//     relay: an unclaimed observed subscription with exactly the desired address → kAdopt
//       "matched by address"; among several, the Active one, then the longest-lived, is adopted
//       and the others are deleted as duplicates
//     direct: an unclaimed observed subscription with the desired address AND matching filters
//       → kAdopt "matched by address and filters"
//     after kAdopt, the rows above are applied to it with nothing known (no lifetime, no token):
//       a second action kUpdate (filters differ), kRecreate (not Active) or kRenew may follow
//     otherwise                                    → kCreate "new subscription"
//   When the account's list call failed (no entry in `observed`), no action is planned for its
//   subscriptions (they keep running on their timers) and the account is listed in
//   Plan::unavailable_accounts (sorted, once each).
// Observed subscriptions that are ours but claimed by nobody → kDelete:
//   at the address of a desired subscription → name = that subscription, reason
//     "duplicate of <kept id> at the same address" ("duplicate at the same address" when the
//     kept one is still to be created)
//   otherwise → reason "not in the config (owned address)", name = a known record with that
//     address, or "" (an orphan).
// A known record whose (account, name) is no longer desired → kForget "removed from the config"
// (the executor deletes its remote subscription, if any, and then the record). remote_id is the
// record's, or "" when the account's list shows it is already gone. kForget is planned even when
// the account could not be listed (an account removed from the config is never listed).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/platform/types.h"
#include "subkeeper/store/records.h"

namespace subkeeper::reconcile {

enum class ActionKind { kCreate, kAdopt, kUpdate, kRecreate, kRenew, kDelete, kForget };
const char* ActionKindName(ActionKind kind);  // "create", "adopt", "update", "recreate", …

struct Action {
  ActionKind kind;
  std::string account;
  std::string name;       // "" for kDelete of an orphan that no record names
  std::string remote_id;  // the existing remote subscription acted on ("" for kCreate)
  std::string reason;     // one line for humans, e.g. "filters changed: +/a -/b"
  bool operator==(const Action&) const = default;
};

struct Plan {
  std::vector<Action> actions;
  std::vector<std::string> unavailable_accounts;  // list call failed: nothing planned there
  bool has_changes() const { return !actions.empty(); }
};

struct PlanInput {
  // DesiredRecord() of every configured subscription, plus its token_fingerprint.
  std::vector<store::SubscriptionRecord> desired;
  std::vector<store::SubscriptionRecord> known;  // every record in the store
  // Per account name, what its list call returned. An account whose call failed is absent.
  std::map<std::string, std::vector<platform::RemoteSubscription>> observed;
  std::string public_url;  // no trailing slash
  WallTime now{};
};

Plan MakePlan(const PlanInput& input);

// True when `returned` (a filter as the platform returns it, `~` rewritten to numeric ids) is
// what `requested` asked for: equal, or equal once every `~` path segment of `requested` is
// matched against a numeric segment of `returned`. The reminder filter comes back verbatim.
bool FilterMatches(const std::string& requested, const std::string& returned);

// The difference between a requested filter list and a returned one, after pairing them one to
// one under FilterMatches (a maximum matching, so the order of either list does not matter).
struct FilterDiff {
  std::vector<std::string> added;    // requested, with no returned filter to pair with
  std::vector<std::string> removed;  // returned, with no requested filter to pair with
  bool empty() const { return added.empty() && removed.empty(); }
};
FilterDiff DiffFilters(const std::vector<std::string>& requested,
                       const std::vector<std::string>& returned);

// True when the two filter lists match one to one (order-insensitive) under FilterMatches.
bool FiltersMatch(const std::vector<std::string>& requested,
                  const std::vector<std::string>& returned);

// Human-readable plan, lines joined by '\n' with no trailing newline:
//   "  + create   main/sms  (missing on the platform)"
//   "  ~ update   main/sms  sub-1 (filters changed: +/a -/b)"
//   "  - delete   main/(orphan) sub-9 (not in the config (owned address))"
//   "Plan: 1 to create, 1 to update, 1 to delete."      (only kinds that occur, in kind order)
// Markers: + create, = adopt, ~ update, ! recreate, > renew, - delete, x forget. An empty plan
// with no unavailable account is exactly "No changes.". A plan with unavailable accounts is
// incomplete: one "Error: account A could not be observed; nothing planned for it." line per
// such account first, the actions of the others, and a last line "Plan incomplete: N
// account(s) not observed."; it never says "No changes.", since nothing is known about them.
// PlanDocument: {"changes":bool,"complete":bool,"actions":[{"action","account","name",
// "remote_id","reason"}],"unavailable_accounts":[…]}; PlanJson is it indented by 2, invalid
// UTF-8 replaced, never thrown on.
std::string FormatPlan(const Plan& plan);
nlohmann::json PlanDocument(const Plan& plan);
std::string PlanJson(const Plan& plan);

}  // namespace subkeeper::reconcile
