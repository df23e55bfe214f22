// MakePlan: the pure three-way comparison. Every decision reads only PlanInput, so the same input
// always yields the same plan and the executor can be tested apart.
#include "subkeeper/reconcile/planner.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "subkeeper/subscription/delivery.h"

namespace subkeeper::reconcile {
namespace {

using platform::RemoteSubscription;
using store::SubscriptionRecord;
using Key = std::pair<std::string, std::string>;  // (account, name) or (account, remote id)
using Remotes = std::vector<RemoteSubscription>;

// Who holds an owned address in this plan, so that any other subscription there is a duplicate.
struct AddressHolder {
  std::string name;
  std::string remote_id;  // "" when the holder is about to be created
};

struct Context {
  const PlanInput& in;
  std::map<Key, const SubscriptionRecord*> desired;
  std::map<Key, const SubscriptionRecord*> known;
  std::set<Key> claimed;                         // remote subscriptions already acted on or kept
  std::map<Key, AddressHolder> address_holders;  // (account, address)
  std::vector<Action> actions;

  bool Owned(const std::string& address) const {
    return subscription::OwnsAddress(in.public_url, address);
  }
  // Stricter than Owned, for pruning (see subscription::OwnsAddressOf).
  bool PrunableBy(const std::string& account, const std::string& address) const {
    return subscription::OwnsAddressOf(in.public_url, account, address);
  }
  const Remotes* Observed(const std::string& account) const {
    const auto it = in.observed.find(account);
    return it == in.observed.end() ? nullptr : &it->second;
  }
  void Emit(ActionKind kind, const std::string& account, const std::string& name,
            const std::string& remote_id, std::string reason) {
    actions.push_back({kind, account, name, remote_id, std::move(reason)});
  }
};

std::vector<std::string> DesiredFilters(const SubscriptionRecord& desired) {
  return subscription::PlatformFilters(desired.event_filters, desired.reminder);
}

const RemoteSubscription* FindById(const Remotes& remotes, const std::string& id) {
  for (const auto& remote : remotes) {
    if (remote.id == id) return &remote;
  }
  return nullptr;
}

bool WallTimeSet(WallTime t) { return t != WallTime{}; }

// "" when the definition on the platform is what the config asks for. A known lifetime of 0 means
// unknown (an adopted subscription): the remaining seconds the platform reports cannot tell which
// lifetime was requested, so the lifetime is not compared then.
std::string ChangeReason(const SubscriptionRecord& desired, int64_t known_lifetime_s,
                         const RemoteSubscription& remote) {
  std::string reason;
  const FilterDiff diff = DiffFilters(DesiredFilters(desired), remote.event_filters);
  if (!diff.empty()) {
    reason = "filters changed:";
    for (const auto& f : diff.added) reason += " +" + f;
    for (const auto& f : diff.removed) reason += " -" + f;
  }
  if (known_lifetime_s > 0 && known_lifetime_s != desired.expires_in_s) {
    if (!reason.empty()) reason += "; ";
    reason += "lifetime " + std::to_string(known_lifetime_s) + "s \u2192 " +
              std::to_string(desired.expires_in_s) + "s";
  }
  return reason;
}

// The first reason that applies wins: a subscription that is recreated needs no update or renew.
std::optional<std::pair<ActionKind, std::string>> DecideExisting(const SubscriptionRecord& desired,
                                                                 const SubscriptionRecord& known,
                                                                 const RemoteSubscription& remote,
                                                                 WallTime now) {
  if (remote.address != desired.address) {
    return {{ActionKind::kRecreate,
             "address changed: " + remote.address + " \u2192 " + desired.address}};
  }
  if (!desired.token_fingerprint.empty() && !known.token_fingerprint.empty() &&
      desired.token_fingerprint != known.token_fingerprint) {
    return {{ActionKind::kRecreate, "verification token changed (webhook secret rotated)"}};
  }
  if (!remote.status.active()) {
    return {{ActionKind::kRecreate,
             "status " + (remote.status.known() ? std::string(remote.status.word())
                                                : std::string("unknown"))}};
  }
  if (auto reason = ChangeReason(desired, known.expires_in_s, remote); !reason.empty()) {
    return {{ActionKind::kUpdate, std::move(reason)}};
  }
  const bool expired = WallTimeSet(remote.expiration_time) && remote.expiration_time <= now;
  const bool timer_due = WallTimeSet(known.next_renewal_at) && known.next_renewal_at <= now;
  if (expired || timer_due) return {{ActionKind::kRenew, "renewal due"}};
  return std::nullopt;
}

// Known records no longer in the config. Their remote ids are claimed first so that nothing
// adopts a subscription the executor is about to delete.
void PlanForgets(Context& ctx) {
  for (const auto& [key, known] : ctx.known) {
    if (ctx.desired.contains(key)) continue;
    std::string remote_id = known->remote_id;
    if (const Remotes* remotes = ctx.Observed(key.first);
        remotes && !remote_id.empty() && !FindById(*remotes, remote_id)) {
      remote_id.clear();  // already gone: only the record is left to forget
    }
    if (!known->remote_id.empty()) ctx.claimed.insert({key.first, known->remote_id});
    ctx.Emit(ActionKind::kForget, key.first, key.second, remote_id, "removed from the config");
  }
}

// Desired subscriptions whose remote id is known: check it against the account's list.
void PlanKnown(Context& ctx, const SubscriptionRecord& desired, const SubscriptionRecord& known,
               const Remotes& remotes) {
  const auto& [account, name] = std::tie(desired.account, desired.name);
  ctx.claimed.insert({account, known.remote_id});
  const RemoteSubscription* remote = FindById(remotes, known.remote_id);
  if (!remote) {
    ctx.address_holders.try_emplace({account, desired.address}, AddressHolder{name, ""});
    ctx.Emit(ActionKind::kCreate, account, name, "", "missing on the platform");
    return;
  }
  ctx.address_holders.try_emplace({account, remote->address}, AddressHolder{name, remote->id});
  ctx.address_holders.try_emplace({account, desired.address}, AddressHolder{name, remote->id});
  if (auto decision = DecideExisting(desired, known, *remote, ctx.in.now)) {
    ctx.Emit(decision->first, account, name, remote->id, std::move(decision->second));
  }
}

// Prefers an Active subscription, then the one that lives longest, then the smallest id.
bool BetterCandidate(const RemoteSubscription& a, const RemoteSubscription& b) {
  const bool a_active = a.status.active();
  const bool b_active = b.status.active();
  if (a_active != b_active) return a_active;
  if (a.expiration_time != b.expiration_time) return a.expiration_time > b.expiration_time;
  return a.id < b.id;
}

// Desired subscriptions with no known remote id: adopt what sits at their address, or create.
void PlanUnknown(Context& ctx, const SubscriptionRecord& desired, const Remotes& remotes) {
  const auto& [account, name] = std::tie(desired.account, desired.name);
  const bool relay = ctx.Owned(desired.address);
  const std::vector<std::string> filters = DesiredFilters(desired);
  const RemoteSubscription* best = nullptr;
  for (const auto& remote : remotes) {
    if (remote.address != desired.address || ctx.claimed.contains({account, remote.id})) continue;
    // Direct addresses are not ours by prefix: only the same filters show the app did not make it.
    if (!relay && !FiltersMatch(filters, remote.event_filters)) continue;
    if (!best || BetterCandidate(remote, *best)) best = &remote;
  }
  if (!best) {
    ctx.address_holders.try_emplace({account, desired.address}, AddressHolder{name, ""});
    ctx.Emit(ActionKind::kCreate, account, name, "", "new subscription");
    return;
  }
  ctx.claimed.insert({account, best->id});
  ctx.address_holders.try_emplace({account, desired.address}, AddressHolder{name, best->id});
  ctx.Emit(ActionKind::kAdopt, account, name, best->id,
           relay ? "matched by address" : "matched by address and filters");
  SubscriptionRecord adopted;  // nothing is known of how it was made: no lifetime, no token
  adopted.address = best->address;
  if (auto decision = DecideExisting(desired, adopted, *best, ctx.in.now)) {
    ctx.Emit(decision->first, account, name, best->id, std::move(decision->second));
  }
}

// Owned subscriptions nobody claimed: duplicates at a configured address, or leftovers.
void PlanOrphans(Context& ctx, const std::string& account, const Remotes& remotes) {
  for (const auto& remote : remotes) {
    if (ctx.claimed.contains({account, remote.id}) || !ctx.PrunableBy(account, remote.address)) {
      continue;
    }
    ctx.claimed.insert({account, remote.id});
    const auto holder = ctx.address_holders.find({account, remote.address});
    if (holder != ctx.address_holders.end()) {
      const std::string& kept = holder->second.remote_id;
      ctx.Emit(ActionKind::kDelete, account, holder->second.name, remote.id,
               kept.empty() ? "duplicate at the same address"
                            : "duplicate of " + kept + " at the same address");
      continue;
    }
    std::string name;  // a forgotten record may still name the address
    for (const auto& [key, known] : ctx.known) {
      if (key.first == account && known->address == remote.address) name = key.second;
    }
    ctx.Emit(ActionKind::kDelete, account, name, remote.id, "not in the config (owned address)");
  }
}

}  // namespace

Plan MakePlan(const PlanInput& input) {
  Context ctx{input, {}, {}, {}, {}, {}};
  for (const auto& record : input.desired)
    ctx.desired.try_emplace({record.account, record.name}, &record);
  for (const auto& record : input.known)
    ctx.known.try_emplace({record.account, record.name}, &record);
  Plan plan;
  PlanForgets(ctx);
  // Known ids first, so that adoption never takes a subscription another entry already holds.
  for (const auto& [key, desired] : ctx.desired) {
    const auto known = ctx.known.find(key);
    const Remotes* remotes = ctx.Observed(key.first);
    if (remotes && known != ctx.known.end() && !known->second->remote_id.empty()) {
      PlanKnown(ctx, *desired, *known->second, *remotes);
    }
  }
  for (const auto& [key, desired] : ctx.desired) {
    const auto known = ctx.known.find(key);
    const Remotes* remotes = ctx.Observed(key.first);
    if (!remotes) {
      plan.unavailable_accounts.push_back(key.first);
    } else if (known == ctx.known.end() || known->second->remote_id.empty()) {
      PlanUnknown(ctx, *desired, *remotes);
    }
  }
  for (const auto& [account, remotes] : input.observed) PlanOrphans(ctx, account, remotes);

  auto& accounts = plan.unavailable_accounts;
  accounts.erase(std::unique(accounts.begin(), accounts.end()), accounts.end());
  plan.actions = std::move(ctx.actions);
  std::sort(plan.actions.begin(), plan.actions.end(), [](const Action& a, const Action& b) {
    return std::tie(a.account, a.name, a.kind, a.remote_id) <
           std::tie(b.account, b.name, b.kind, b.remote_id);
  });
  return plan;
}

}  // namespace subkeeper::reconcile
