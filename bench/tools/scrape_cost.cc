// B6 (scrape): what one GET /metrics costs the keeper with N stored subscriptions, in-process,
// against the real SqliteStore: the store reads, /proc/self and the exposition, per setting of
// metrics.per_subscription. No HTTP: the admin listener only writes the returned text.
//
//   bench_scrape_cost DB N [REPS]
//
// DB is seeded with the fleet of bench/tools/fleet.h when it does not exist. Every subscription
// is given a last event and its account a ready token and two rate-limit windows, so the
// per-subscription series are all there (the worst case). Modes, REPS scrapes each:
//   auto    the default (per-subscription series only up to 1,000 subscriptions)
//   always  per-subscription and per-account series at any scale
//   legacy  the scrape before issue 15 (whole records read, ten series per subscription, ages),
//           rebuilt here from the same state for the ratio: LegacyFamilies below is the
//           removed code
// Prints one JSON object: per mode best / median ms of the whole scrape, of the store read and
// of rendering, and the exposition's bytes. For auto and always the store read is
// GatherFromStore, which streams the records and derives their conditions as it goes (the
// aggregates and rows are done when it returns); rendering is the exposition from them.
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fleet.h"
#include "subkeeper/app/metrics.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/store/sqlite_store.h"

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using subkeeper::Status;
using subkeeper::WallTime;
using subkeeper::app::ScrapeState;
using LastEvents = std::map<std::pair<std::string, std::string>, WallTime>;

// CPU time of this thread: on a shared machine the wall time also counts waiting for a core.
double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

ClientMetric Gauge(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

double SecondsBetween(WallTime from, WallTime to) {
  return std::chrono::duration<double>(to - from).count();
}

// The per-subscription and per-account families of Metrics::Render before issue 15 (commit
// b100bae), unchanged but for reading last events from `last` instead of the Metrics object.
std::vector<MetricFamily> LegacyFamilies(const ScrapeState& state, const LastEvents& last) {
  MetricFamily expiry{"subkeeper_subscription_expiry_seconds",
                      "Seconds until the subscription expires (negative: expired).",
                      MetricType::Gauge,
                      {}};
  MetricFamily last_event{"subkeeper_subscription_last_event_age_seconds",
                          "Seconds since the subscription's newest notification was received.",
                          MetricType::Gauge,
                          {}};
  MetricFamily condition{"subkeeper_subscription_condition",
                         "1 when the condition holds, else 0 (Ready, Renewing, Blacklisted, "
                         "AuthFailed, ReminderPathBroken, FiltersDisabled).",
                         MetricType::Gauge,
                         {}};
  std::map<std::string_view, const subkeeper::platform::AccountStatus*> accounts;
  for (const auto& a : state.accounts) accounts[a.account] = &a;
  for (const auto& record : state.subscriptions) {
    std::vector<ClientMetric::Label> key = {{"account", record.account}, {"name", record.name}};
    if (record.expires_at != WallTime{}) {
      expiry.metric.push_back(Gauge(key, SecondsBetween(state.now, record.expires_at)));
    }
    if (auto it = last.find({record.account, record.name}); it != last.end()) {
      last_event.metric.push_back(Gauge(key, SecondsBetween(it->second, state.now)));
    }
    auto account = accounts.find(record.account);
    for (const auto& c : subkeeper::renewal::DeriveConditions(
             record, state.now, account != accounts.end() ? account->second : nullptr)) {
      auto labels = key;
      labels.push_back({"type", c.type});
      condition.metric.push_back(Gauge(std::move(labels), c.status ? 1 : 0));
    }
  }
  MetricFamily pending{"subkeeper_events_pending",
                       "Notifications stored and not yet delivered to the app.",
                       MetricType::Gauge,
                       {}};
  MetricFamily dead{"subkeeper_events_dead",
                    "Dead-lettered notifications still kept (subkeeper replay sends them again).",
                    MetricType::Gauge,
                    {}};
  for (const auto& b : state.backlogs) {
    pending.metric.push_back(Gauge({{"account", b.account}, {"name", b.name}}, b.pending));
    dead.metric.push_back(Gauge({{"account", b.account}, {"name", b.name}}, b.dead));
  }
  MetricFamily budget{"subkeeper_platform_budget_remaining",
                      "Requests left in the current rate-limit window, per account and group.",
                      MetricType::Gauge,
                      {}};
  MetricFamily blocked{"subkeeper_platform_blocked",
                       "1 while a 429 penalty is in force for the account and group, else 0.",
                       MetricType::Gauge,
                       {}};
  for (const auto& limit : state.limits) {
    std::vector<ClientMetric::Label> key = {
        {"account", limit.account}, {"group", subkeeper::platform::RateGroupName(limit.group)}};
    budget.metric.push_back(Gauge(key, limit.remaining));
    blocked.metric.push_back(Gauge(key, limit.blocked_until > state.steady_now ? 1 : 0));
  }
  return {std::move(expiry), std::move(last_event), std::move(condition), std::move(pending),
          std::move(dead),   std::move(budget),     std::move(blocked)};
}

struct Sample {
  double total_ms = 0, store_ms = 0, render_ms = 0;
  size_t bytes = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Fail(const Status& status) {
  std::fprintf(stderr, "bench_scrape_cost: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_scrape_cost DB N [REPS]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const std::string db = argv[1];
  const int64_t n = std::atoll(argv[2]);
  const int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  subkeeper::SystemClock clock;
  struct stat st {};
  const bool seed = stat(db.c_str(), &st) != 0;
  auto opened = subkeeper::store::OpenSqliteStore(db, clock);
  if (!opened.ok()) return Fail(opened.status());
  subkeeper::store::Store& store = **opened;
  bench::FleetOptions fleet;
  fleet.subscriptions = n;
  if (seed) {
    if (Status s = bench::SeedFleet(store, fleet, clock.Now()); !s.ok()) return Fail(s);
  }

  // The platform client's share and the last events, as the keeper would hold them.
  const WallTime now = clock.Now();
  subkeeper::app::Metrics metrics;
  LastEvents last;
  std::vector<subkeeper::platform::AccountStatus> accounts;
  std::vector<subkeeper::platform::RateLimitSnapshot> limits;
  for (int64_t i = 0; i < n; ++i) {
    const std::string account = bench::AccountName(i / bench::kPerAccount);
    const std::string name = bench::SubscriptionName(static_cast<int>(i % bench::kPerAccount));
    metrics.EventAccepted(account, name, now - std::chrono::seconds(i % 3600));
    last[{account, name}] = now - std::chrono::seconds(i % 3600);
    if (i % bench::kPerAccount != 0) continue;
    subkeeper::platform::AccountStatus status;
    status.account = account;
    status.state = subkeeper::platform::CredentialState::kReady;
    accounts.push_back(status);
    for (auto group :
         {subkeeper::platform::RateGroup::kLight, subkeeper::platform::RateGroup::kMedium}) {
      subkeeper::platform::RateLimitSnapshot limit;
      limit.account = account;
      limit.group = group;
      limit.limit = 50;
      limit.remaining = 48;
      limits.push_back(limit);
    }
  }
  const auto all = [](std::string_view, std::string_view) { return true; };

  std::printf("{\"subscriptions\": %lld, \"reps\": %d", static_cast<long long>(n), reps);
  // A first pass over the store is slower (the connection's first reads of the file); it is
  // not a scrape of any mode.
  {
    ScrapeState warm;
    subkeeper::app::GatherFromStore(store, store, all, "never", warm);
  }
  for (const char* mode : {"auto", "always", "legacy"}) {
    std::vector<double> total, store_ms, render, cpu;
    size_t bytes = 0;
    for (int rep = 0; rep < reps; ++rep) {
      const double cpu0 = ThreadCpuMs();
      const auto t0 = std::chrono::steady_clock::now();
      ScrapeState state;
      state.now = clock.Now();
      state.steady_now = clock.SteadyNow();
      state.accounts = accounts;
      state.limits = limits;
      const bool legacy = std::string(mode) == "legacy";
      if (legacy) {
        // What Keeper::MetricsText read before: whole records.
        if (auto records = store.ListSubscriptions(); records.ok()) {
          state.subscriptions = std::move(*records);
        }
        if (auto backlogs = store.CountRelay(); backlogs.ok())
          state.backlogs = std::move(*backlogs);
      } else {
        subkeeper::app::GatherFromStore(store, store, all, mode, state);
      }
      const auto t1 = std::chrono::steady_clock::now();
      std::string text;
      if (legacy) {
        auto families = LegacyFamilies(state, last);
        text = prometheus::TextSerializer().Serialize(families);
      } else {
        state.process = subkeeper::app::ReadProcessStats();
        text = metrics.Render(state);
      }
      const auto t2 = std::chrono::steady_clock::now();
      cpu.push_back(ThreadCpuMs() - cpu0);
      total.push_back(Ms(t2 - t0));
      store_ms.push_back(Ms(t1 - t0));
      render.push_back(Ms(t2 - t1));
      bytes = text.size();
    }
    std::printf(
        ", \"%s\": {\"best_ms\": %.1f, \"median_ms\": %.1f, \"store_median_ms\": %.1f, "
        "\"render_median_ms\": %.1f, \"cpu_median_ms\": %.1f, \"bytes\": %zu}",
        mode, *std::min_element(total.begin(), total.end()), Median(total), Median(store_ms),
        Median(render), Median(cpu), bytes);
  }
  std::printf("}\n");
  return 0;
}
