#include "admin_view.h"

#include <nlohmann/json.hpp>

#include "subkeeper/app/process_stats.h"
#include "subkeeper/app/status_view.h"
#include "subkeeper/common/time_format.h"

namespace subkeeper::app {
namespace {

// Names and filters come from user files: replace bad UTF-8 rather than let dump() throw.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

server::AdminSource::Answer NotConfigured(const std::string& account, const std::string& name) {
  return {404, R"({"error":"no configured subscription )" + account + "/" + name + "\"}"};
}

nlohmann::json ConfigView(const ConfigState& state) {
  const auto& config = *state.config;
  return {
      {"generation", state.generation},
      {"source", config.source_path},
      {"applied_at", state.generation ? nlohmann::json(FormatIso8601(state.applied_at)) : nullptr},
      {"refused", state.refused_reason.empty()
                      ? nlohmann::json(nullptr)
                      : nlohmann::json{{"at", FormatIso8601(state.refused_at)},
                                       {"reason", state.refused_reason}}},
      {"last_reconcile", state.last_reconcile},
      {"reconcile",
       {{"accounts", config.accounts.size()},
        {"startup_pending", state.startup_pending},
        {"passes", state.passes}}}};
}

}  // namespace

void AdminView::AddClaims(const AccountClaims& claims, WallTime now, nlohmann::json& view) {
  auto stored = controller_.store().ListClaims();
  std::map<std::string, store::AccountClaim> by_account;
  if (stored.ok()) {
    for (auto& claim : *stored) by_account.emplace(claim.account, std::move(claim));
  }
  size_t held = 0;
  for (const auto& claim : claims.Held()) held += claim.trusted ? 1 : 0;
  auto leader = by_account.find(Controller::kHousekeeping);
  const bool leads = leader != by_account.end() && leader->second.owner == claims.owner() &&
                     leader->second.until > now;
  view["replica"] = {{"id", claims.owner()}, {"claims_held", held}, {"housekeeping", leads}};
  if (!stored.ok()) view["replica"]["claims_error"] = stored.status().ToString();
  for (auto& account : view["accounts"]) {
    auto it = by_account.find(account["name"].get<std::string>());
    account["claim"] =
        ClaimView(it != by_account.end() ? &it->second : nullptr, claims.owner(), now);
  }
}

AdminView::AdminView(Controller& controller, Metrics& metrics, ShellStatus shell)
    : controller_(controller), metrics_(metrics), shell_(std::move(shell)) {}

server::AdminSource::Readiness AdminView::GetReadiness() {
  Readiness readiness;
  if (Status writable = controller_.store().CheckWritable(); !writable.ok())
    readiness.reasons.push_back("store not writable: " + writable.ToString());
  if (auto failure = shell_.commit_failure ? shell_.commit_failure() : std::nullopt)
    readiness.reasons.push_back("events cannot be committed: " + *failure);
  if (!shell_.webhooks_up || !shell_.webhooks_up())
    readiness.reasons.push_back("webhook listener not running");
  const ConfigState state = controller_.State();
  if (state.generation == 0) readiness.reasons.push_back("configuration not applied yet");
  readiness.config_generation = state.generation;
  readiness.config_refused = state.refused_reason;
  readiness.ready = readiness.reasons.empty();
  return readiness;
}

std::string AdminView::SubscriptionsJson() {
  store::Store& store = controller_.store();
  auto records = store.ListSubscriptions();
  if (!records.ok()) return Dump({{"error", records.status().ToString()}});
  const auto configured = controller_.ConfiguredLookup();
  std::vector<store::SubscriptionRecord> shown;
  for (auto& record : *records) {
    if (configured(record.account, record.name)) shown.push_back(std::move(record));
  }
  auto backlog = store.CountRelay();
  const auto conditions = controller_.ConditionsOf(shown);
  const Clock& clock = *controller_.env().clock;
  nlohmann::json view =
      SubscriptionsView(shown, backlog.ok() ? *backlog : std::vector<store::RelayBacklog>{},
                        clock.Now(), &conditions);
  // The client is replaced on reload while admin requests run: held through its shared pointer.
  if (auto api = controller_.Api()) {
    view["accounts"] = AccountsView(api->Accounts(), api->RateLimits(), clock.Now(),
                                    clock.SteadyNow())["accounts"];
  }
  view["config"] = ConfigView(controller_.State());
  if (const AccountClaims* claims = controller_.claims()) AddClaims(*claims, clock.Now(), view);
  return Dump(view);
}

void AdminView::WakeRelay() {
  if (shell_.wake_relay) shell_.wake_relay();
}

server::AdminSource::Answer AdminView::SubscriptionJson(const std::string& account,
                                                        const std::string& name) {
  if (!controller_.ConfiguredLookup()(account, name)) return NotConfigured(account, name);
  store::Store& store = controller_.store();
  auto record = store.GetSubscription(account, name);
  if (!record.ok()) return {503, Dump({{"error", record.status().ToString()}})};
  if (!record->has_value()) {
    return {404, R"({"error":"subscription )" + account + "/" + name + R"( is not stored yet"})"};
  }
  const std::vector<store::SubscriptionRecord> records{**record};
  auto backlog = store.CountRelay();
  const auto conditions = controller_.ConditionsOf(records);
  nlohmann::json view =
      SubscriptionsView(records, backlog.ok() ? *backlog : std::vector<store::RelayBacklog>{},
                        controller_.env().clock->Now(), &conditions)["subscriptions"][0];
  return {200, Dump(view)};
}

server::AdminSource::Answer AdminView::RequestRenewal(const std::string& account,
                                                      const std::string& name) {
  const WallTime now = controller_.env().clock->Now();
  if (!controller_.RequestRenewal(account, name)) return NotConfigured(account, name);
  return {202, nlohmann::json{{"requested", true},
                              {"account", account},
                              {"name", name},
                              {"requested_at", FormatIso8601(now)}}
                   .dump()};
}

std::string AdminView::MetricsText() {
  store::Store& store = controller_.store();
  if (!metrics_.seeded()) {
    auto last = store.ListLastEvents();
    if (last.ok()) metrics_.SeedLastEvents(*last);
  }
  const Clock& clock = *controller_.env().clock;
  ScrapeState state;
  state.now = clock.Now();
  state.steady_now = clock.SteadyNow();
  if (auto api = controller_.Api()) {
    // Before the store: the subscriptions' AuthFailed is derived from the accounts.
    state.accounts = api->Accounts();
    state.limits = api->RateLimits();
  }
  GatherFromStore(store, store, controller_.ConfiguredLookup(),
                  controller_.Current()->metrics.per_subscription, state);
  state.process = ReadProcessStats();
  if (const AccountClaims* claims = controller_.claims()) {
    ClaimScrape scrape;
    for (const auto& held : claims->Held()) scrape.held += held.trusted ? 1 : 0;
    scrape.counters = claims->counters();
    scrape.housekeeping = controller_.Housekeeps();
    state.claims = scrape;
  }
  return metrics_.Render(state);
}

}  // namespace subkeeper::app
