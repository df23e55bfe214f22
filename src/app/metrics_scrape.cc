// /metrics at scrape time: the families computed from the store, the platform client and the
// process (Metrics::Render); the live counters and histograms are in metrics.cc.
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <limits>

#include "subkeeper/app/metrics.h"
#include "subkeeper/config/config.h"
#include "subkeeper/renewal/conditions.h"

namespace subkeeper::app {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// In DeriveConditions' order.
constexpr std::array<const char*, renewal::kConditionCount> kConditionTypes = {
    "Ready", "Renewing", "Blacklisted", "AuthFailed", "ReminderPathBroken", "FiltersDisabled"};

double UnixSeconds(WallTime t) { return static_cast<double>(ToUnixMillis(t)) / 1000.0; }

ClientMetric Gauge(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

MetricFamily Family(std::string name, std::string help, std::vector<ClientMetric> metrics) {
  return MetricFamily{std::move(name), std::move(help), MetricType::Gauge, std::move(metrics)};
}

// Per-subscription rows kept at most: every one for "always", none for "never", and for "auto"
// as many as config::kPerSubscriptionAutoLimit (past that the scrape carries none).
size_t PerSubscriptionRowLimit(std::string_view mode) {
  if (mode == "always") return std::numeric_limits<size_t>::max();
  if (mode == "never") return 0;
  return config::kPerSubscriptionAutoLimit;
}

// Builds a SubscriptionSummary from one subscription at a time.
class Summarizer {
 public:
  Summarizer(const ScrapeState& state, size_t row_limit) : now_(state.now), row_limit_(row_limit) {
    for (const auto& a : state.accounts) accounts_[a.account] = &a;  // the last one wins
  }

  void Add(const store::SubscriptionStateView& s) {
    const auto holding = renewal::ConditionsHolding(s, now_, Account(s.account));
    ++summary_.subscriptions;
    for (size_t i = 0; i < holding.size(); ++i) summary_.holding[i] += holding[i] ? 1 : 0;
    const bool live = !s.remote_id.empty() && s.expires_at != WallTime{};
    if (live) summary_.earliest = std::min(summary_.earliest, s.expires_at);
    if (summary_.subscriptions > row_limit_) {
      // Past the limit no row is exported: drop the ones kept so far.
      if (!summary_.rows.empty()) std::vector<SubscriptionSeriesRow>().swap(summary_.rows);
      return;
    }
    summary_.rows.push_back(
        {std::string(s.account), std::string(s.name), live, s.expires_at, holding});
  }

  SubscriptionSummary Take() { return std::move(summary_); }

 private:
  // Records come in account order: most lookups are the previous account's.
  const platform::AccountStatus* Account(std::string_view account) {
    if (!has_last_ || account != last_account_) {
      auto it = accounts_.find(account);
      last_status_ = it != accounts_.end() ? it->second : nullptr;
      last_account_.assign(account);
      has_last_ = true;
    }
    return last_status_;
  }

  WallTime now_;
  size_t row_limit_;
  std::map<std::string_view, const platform::AccountStatus*, std::less<>> accounts_;
  bool has_last_ = false;
  std::string last_account_;
  const platform::AccountStatus* last_status_ = nullptr;
  SubscriptionSummary summary_;
};

}  // namespace

std::string Metrics::Render(const ScrapeState& state) const {
  std::vector<MetricFamily> families = registry_->Collect();
  if (state.summary) {
    AddSubscriptionFamilies(state, *state.summary, families);
  } else {
    Summarizer summarizer(state, state.per_subscription ? std::numeric_limits<size_t>::max() : 0);
    for (const auto& record : state.subscriptions) summarizer.Add(store::StateViewOf(record));
    AddSubscriptionFamilies(state, summarizer.Take(), families);
  }
  AddBacklogFamilies(state, families);
  AddPlatformFamilies(state, families);
  AddProcessFamilies(state.process, families);
  if (state.claims) AddClaimFamilies(*state.claims, families);
  families.push_back(Family("subkeeper_build_info",
                            "Always 1; the labels say which subkeeper is running.",
                            {Gauge({{"version", SUBKEEPER_VERSION}}, 1)}));
  families.push_back(Family("subkeeper_metrics_per_subscription",
                            "1 when this scrape carries the per-subscription and per-account "
                            "series (config metrics.per_subscription), else 0.",
                            {Gauge({}, state.per_subscription ? 1 : 0)}));
  return prometheus::TextSerializer().Serialize(families);
}

void Metrics::AddSubscriptionFamilies(const ScrapeState& state, const SubscriptionSummary& summary,
                                      std::vector<MetricFamily>& families) const {
  families.push_back(Family("subkeeper_subscriptions",
                            "Configured subscriptions the keeper holds a record of.",
                            {Gauge({}, static_cast<double>(summary.subscriptions))}));
  std::vector<ClientMetric> by_type;
  for (size_t i = 0; i < kConditionTypes.size(); ++i) {
    by_type.push_back(Gauge({{"type", kConditionTypes[i]}}, summary.holding[i]));
  }
  families.push_back(Family("subkeeper_subscriptions_condition",
                            "Subscriptions for which the condition holds, by type (Ready, "
                            "Renewing, Blacklisted, AuthFailed, ReminderPathBroken, "
                            "FiltersDisabled).",
                            std::move(by_type)));
  if (summary.earliest != WallTime::max()) {
    families.push_back(Family("subkeeper_subscriptions_earliest_expiry_timestamp_seconds",
                              "When the first of the live subscriptions expires (Unix seconds; "
                              "absent when none is live).",
                              {Gauge({}, UnixSeconds(summary.earliest))}));
  }
  if (!state.per_subscription) return;
  std::vector<ClientMetric> expires, last_event, ready, condition;
  {
    // last_event_ is written by the webhook path; held only while the rows (in memory) are read.
    MutexLock lock(mu_);
    for (const auto& row : summary.rows) {
      const std::vector<ClientMetric::Label> key = {{"account", row.account}, {"name", row.name}};
      if (row.live) expires.push_back(Gauge(key, UnixSeconds(row.expires_at)));
      if (auto it = last_event_.find({row.account, row.name}); it != last_event_.end()) {
        last_event.push_back(Gauge(key, UnixSeconds(it->second)));
      }
      ready.push_back(Gauge(key, row.holding.front() ? 1 : 0));
      // Only the conditions that hold: a healthy subscription costs no series here.
      for (size_t i = 1; i < row.holding.size(); ++i) {
        if (!row.holding[i]) continue;
        auto labels = key;
        labels.push_back({"type", kConditionTypes[i]});
        condition.push_back(Gauge(std::move(labels), 1));
      }
    }
  }
  families.push_back(Family("subkeeper_subscription_expires_timestamp_seconds",
                            "When the subscription expires unless renewed (Unix seconds).",
                            std::move(expires)));
  families.push_back(Family("subkeeper_subscription_last_event_timestamp_seconds",
                            "When the subscription's newest notification was received (Unix "
                            "seconds; absent before the first).",
                            std::move(last_event)));
  families.push_back(Family("subkeeper_subscription_ready",
                            "1 when the subscription's Ready condition holds, else 0.",
                            std::move(ready)));
  families.push_back(Family("subkeeper_subscription_condition",
                            "1 for each condition other than Ready that holds (Renewing, "
                            "Blacklisted, AuthFailed, ReminderPathBroken, FiltersDisabled); "
                            "absent when it does not.",
                            std::move(condition)));
}

void Metrics::AddBacklogFamilies(const ScrapeState& state,
                                 std::vector<MetricFamily>& families) const {
  double pending_total = 0, dead_total = 0;
  std::vector<ClientMetric> pending, dead;
  for (const auto& b : state.backlogs) {
    pending_total += static_cast<double>(b.pending);
    dead_total += static_cast<double>(b.dead);
    if (!state.per_subscription) continue;
    const std::vector<ClientMetric::Label> key = {{"account", b.account}, {"name", b.name}};
    if (b.pending > 0) pending.push_back(Gauge(key, static_cast<double>(b.pending)));
    if (b.dead > 0) dead.push_back(Gauge(key, static_cast<double>(b.dead)));
  }
  families.push_back(Family("subkeeper_events_pending",
                            "Notifications stored and not yet delivered to the app.",
                            {Gauge({}, pending_total)}));
  families.push_back(
      Family("subkeeper_events_dead",
             "Dead-lettered notifications still kept (subkeeper replay sends them again).",
             {Gauge({}, dead_total)}));
  if (!state.per_subscription) return;
  families.push_back(Family("subkeeper_subscription_events_pending",
                            "Notifications of the subscription not yet delivered to the app "
                            "(absent when none).",
                            std::move(pending)));
  families.push_back(Family("subkeeper_subscription_events_dead",
                            "Dead-lettered notifications of the subscription still kept (absent "
                            "when none).",
                            std::move(dead)));
}

void Metrics::AddPlatformFamilies(const ScrapeState& state,
                                  std::vector<MetricFamily>& families) const {
  std::map<std::string, double> by_state = {{"logged_out", 0}, {"ready", 0}, {"auth_failed", 0}};
  for (const auto& a : state.accounts) {
    by_state[std::string(platform::CredentialStateText(a.state))] += 1;
  }
  std::vector<ClientMetric> account_states;
  for (const auto& [name, count] : by_state)
    account_states.push_back(Gauge({{"state", name}}, count));
  families.push_back(Family("subkeeper_accounts",
                            "Configured accounts, by credential state (logged_out, ready, "
                            "auth_failed).",
                            std::move(account_states)));
  std::array<double, 4> blocked_accounts{};
  std::vector<ClientMetric> budget, blocked;
  for (const auto& limit : state.limits) {
    const bool is_blocked = limit.blocked_until > state.steady_now;
    blocked_accounts[static_cast<size_t>(limit.group) % blocked_accounts.size()] +=
        is_blocked ? 1 : 0;
    if (!state.per_subscription) continue;
    const std::vector<ClientMetric::Label> key = {{"account", limit.account},
                                                  {"group", platform::RateGroupName(limit.group)}};
    budget.push_back(Gauge(key, limit.remaining));
    blocked.push_back(Gauge(key, is_blocked ? 1 : 0));
  }
  std::vector<ClientMetric> blocked_by_group;
  for (auto group : {platform::RateGroup::kLight, platform::RateGroup::kMedium,
                     platform::RateGroup::kHeavy, platform::RateGroup::kAuth}) {
    blocked_by_group.push_back(Gauge({{"group", platform::RateGroupName(group)}},
                                     blocked_accounts[static_cast<size_t>(group)]));
  }
  families.push_back(Family("subkeeper_platform_blocked_accounts",
                            "Accounts under a 429 penalty for the rate-limit group.",
                            std::move(blocked_by_group)));
  if (!state.per_subscription) return;
  families.push_back(Family(
      "subkeeper_platform_budget_remaining",
      "Requests left in the current rate-limit window, per account and group.", std::move(budget)));
  families.push_back(Family("subkeeper_platform_blocked",
                            "1 while a 429 penalty is in force for the account and group, else 0.",
                            std::move(blocked)));
}

void Metrics::AddClaimFamilies(const ClaimScrape& claims, std::vector<MetricFamily>& families) {
  auto counter = [&](const char* name, const char* help, int64_t value) {
    ClientMetric m;
    m.counter.value = static_cast<double>(value);
    families.push_back(MetricFamily{name, help, MetricType::Counter, {std::move(m)}});
  };
  families.push_back(Family("subkeeper_claims_held",
                            "Accounts this keeper holds the claim of (and trusts it) now: it alone "
                            "calls the platform and relays events for them.",
                            {Gauge({}, static_cast<double>(claims.held))}));
  families.push_back(Family("subkeeper_housekeeping_leader",
                            "1 while this keeper does the housekeeping shared by all keepers on "
                            "the database (pruning old events), else 0.",
                            {Gauge({}, claims.housekeeping ? 1 : 0)}));
  counter("subkeeper_claims_gained_total",
          "Account claims this keeper took (at start-up, and from a keeper that stopped).",
          claims.counters.gained);
  counter("subkeeper_claims_lost_total",
          "Account claims this keeper lost (lapsed while it was stalled, or taken over).",
          claims.counters.lost);
  counter("subkeeper_claim_fence_lost_total",
          "Writes refused because the claim they were made under had passed to another keeper "
          "(a token pair dropped; its account's next holder logs in again).",
          claims.counters.fence_lost);
}

void Metrics::AddProcessFamilies(const ProcessStats& process, std::vector<MetricFamily>& families) {
  // The names and meanings of the client libraries' process collectors
  // (https://prometheus.io/docs/instrumenting/writing_clientlibs/#process-metrics).
  auto add = [&](const char* name, const char* help, MetricType type, double value) {
    if (value < 0) return;
    ClientMetric m;
    if (type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    families.push_back(MetricFamily{name, help, type, {std::move(m)}});
  };
  add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      MetricType::Counter, process.cpu_seconds);
  add("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
      process.resident_bytes);
  add("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
      process.virtual_bytes);
  add("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, process.open_fds);
  add("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
      process.max_fds);
  add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
      MetricType::Gauge, process.start_time_seconds);
}

void GatherFromStore(store::SubscriptionStore& subscriptions, store::EventLog& events,
                     const std::function<bool(std::string_view, std::string_view)>& configured,
                     std::string_view per_subscription_mode, ScrapeState& state, int chunk_rows) {
  Summarizer summarizer(state, PerSubscriptionRowLimit(per_subscription_mode));
  const Status walked = subscriptions.VisitSubscriptionStates(
      [&](const store::SubscriptionStateView& s) {
        if (configured(s.account, s.name)) summarizer.Add(s);
      },
      chunk_rows);
  state.summary = walked.ok() ? summarizer.Take() : SubscriptionSummary{};
  state.per_subscription =
      PerSubscriptionSeries(per_subscription_mode, state.summary->subscriptions);
  if (auto backlogs = events.CountRelay(); backlogs.ok()) state.backlogs = std::move(*backlogs);
}

bool PerSubscriptionSeries(std::string_view mode, size_t subscriptions) {
  if (mode == "never") return false;
  return subscriptions <= PerSubscriptionRowLimit(mode);
}

}  // namespace subkeeper::app
