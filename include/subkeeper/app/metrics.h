// The Prometheus metrics served at GET /metrics, with prometheus-cpp. Counters and histograms are
// fed through metrics::Hook by the modules; gauges are computed at scrape time from what the
// caller gathered (the store, the platform client's state, /proc/self).
//
// Names follow https://prometheus.io/docs/practices/naming/: points in time are
// `*_timestamp_seconds` gauges (Unix seconds), never ages computed at scrape time, so a scrape's
// delay does not move them and PromQL compares them with time(). Aggregates (counts by
// condition and account state, the earliest expiry, backlog totals) are always exported, so
// alerts work at any scale; per-subscription and per-account series only when
// ScrapeState::per_subscription says so (config metrics.per_subscription).
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/app/account_claims.h"
#include "subkeeper/app/process_stats.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/rate_limiter.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/store/event_log.h"
#include "subkeeper/store/records.h"
#include "subkeeper/store/subscription_store.h"

namespace prometheus {
struct MetricFamily;
class Registry;
class Histogram;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace subkeeper::app {

// A bounded label for a recreation's free-text reason: purged, not_active, address_changed,
// secret_rotated, filters_changed, missing, other.
std::string RecreationReason(std::string_view detail);
// The error code of a failure's detail ("unavailable: CMN-211 …" → "unavailable"), "other" when
// it does not start with a lower_snake code.
std::string FailureCode(std::string_view detail);

// Whether a scrape carries per-subscription and per-account series, for the config value
// `mode` ("auto" | "always" | "never") with `subscriptions` held: "auto" = at most
// config::kPerSubscriptionAutoLimit. Pure.
bool PerSubscriptionSeries(std::string_view mode, size_t subscriptions);

// What the per-subscription series of one subscription are made of.
struct SubscriptionSeriesRow {
  std::string account;
  std::string name;
  bool live = false;      // a remote subscription with an expiry is known
  WallTime expires_at{};  // when live
  std::array<bool, renewal::kConditionCount> holding{};  // in DeriveConditions' order
};

// What a scrape shows of the subscriptions, gathered in one pass over them without keeping
// their records: the aggregates, and the rows of the per-subscription series when exported.
struct SubscriptionSummary {
  size_t subscriptions = 0;
  std::array<double, renewal::kConditionCount> holding{};  // per condition type
  WallTime earliest = WallTime::max();                     // of the live ones; max = none
  std::vector<SubscriptionSeriesRow> rows;  // empty unless per-subscription series are on
};

// What a scrape shows besides the counters.
// This keeper's claims on accounts (several keepers on one database).
struct ClaimScrape {
  size_t held = 0;            // claims held and trusted now
  bool housekeeping = false;  // this keeper holds the housekeeping claim
  ClaimCounters counters;
};

struct ScrapeState {
  WallTime now{};
  SteadyTime steady_now{};
  // The configured subscriptions, either as records (tests, tools) or already summarised while
  // streamed from the store (GatherFromStore); `summary` is used when set.
  std::vector<store::SubscriptionRecord> subscriptions;
  std::optional<SubscriptionSummary> summary;
  std::vector<platform::AccountStatus> accounts;
  std::vector<platform::RateLimitSnapshot> limits;
  std::vector<store::RelayBacklog> backlogs;
  bool per_subscription = true;       // see PerSubscriptionSeries
  ProcessStats process;               // process_* series; values of -1 are left out
  std::optional<ClaimScrape> claims;  // unset: the keeper claims nothing (SQLite)
};

// The store's share of a scrape: streams every record's state through
// `subscriptions`.VisitSubscriptionStates (`chunk_rows` per chunk) into state.summary, counting
// those `configured` accepts, with their conditions derived from state.now and state.accounts
// (set them first); keeps per-subscription rows only while config value `per_subscription_mode`
// allows them for the count so far, and sets state.per_subscription for the final count. Then
// fills state.backlogs with one count of the relay table (`events`). No record is held beyond
// its chunk: at 100k records the old read of every record into a vector was ~60 MB allocated,
// faulted in and returned to the OS on every scrape. The walk is not a snapshot (see
// VisitSubscriptionStates); a scrape counts each record once. A failed read leaves its part
// empty.
void GatherFromStore(store::SubscriptionStore& subscriptions, store::EventLog& events,
                     const std::function<bool(std::string_view, std::string_view)>& configured,
                     std::string_view per_subscription_mode, ScrapeState& state,
                     int chunk_rows = store::kSubscriptionStateChunkRows);

class Metrics final : public metrics::Hook {
 public:
  Metrics();
  ~Metrics() override;

  // metrics::Hook
  void History(std::string_view kind, std::string_view trigger, std::string_view detail) override;
  void PlatformCall(std::string_view group, int status) override;
  void EventAccepted(std::string_view account, std::string_view name, WallTime at) override;
  void EventRelayed() override;
  void EventDeadLettered() override;
  void WebhookAnswered(bool handshake, std::chrono::nanoseconds elapsed) override;

  // Seeds the time of the last event of subscriptions that got none since start-up (read from
  // the store once); later events replace them.
  void SeedLastEvents(const std::vector<store::LastEvent>& last);
  bool seeded() const;

  // The exposition, Prometheus text format 0.0.4.
  std::string Render(const ScrapeState& state) const;

 private:
  void AddSubscriptionFamilies(const ScrapeState& state, const SubscriptionSummary& summary,
                               std::vector<prometheus::MetricFamily>& families) const;
  void AddBacklogFamilies(const ScrapeState& state,
                          std::vector<prometheus::MetricFamily>& families) const;
  void AddPlatformFamilies(const ScrapeState& state,
                           std::vector<prometheus::MetricFamily>& families) const;
  static void AddClaimFamilies(const ClaimScrape& claims,
                               std::vector<prometheus::MetricFamily>& families);
  static void AddProcessFamilies(const ProcessStats& process,
                                 std::vector<prometheus::MetricFamily>& families);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* renewals_;
  prometheus::Family<prometheus::Counter>* recreations_;
  prometheus::Family<prometheus::Counter>* failures_;
  prometheus::Family<prometheus::Counter>* calls_;
  prometheus::Counter* accepted_;
  prometheus::Counter* relayed_;
  prometheus::Counter* dead_lettered_;
  prometheus::Histogram* handshake_;
  prometheus::Histogram* ack_;

  mutable Mutex mu_;
  bool seeded_ GUARDED_BY(mu_) = false;
  std::map<std::pair<std::string, std::string>, WallTime> last_event_ GUARDED_BY(mu_);
};

}  // namespace subkeeper::app
