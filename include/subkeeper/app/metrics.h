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

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/app/process_stats.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/rate_limiter.h"
#include "subkeeper/store/records.h"
#include "subkeeper/store/store.h"

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

// What a scrape shows besides the counters.
struct ScrapeState {
  WallTime now{};
  SteadyTime steady_now{};
  std::vector<store::SubscriptionRecord> subscriptions;  // the configured ones
  std::vector<platform::AccountStatus> accounts;
  std::vector<platform::RateLimitSnapshot> limits;
  std::vector<store::RelayBacklog> backlogs;
  bool per_subscription = true;  // see PerSubscriptionSeries
  ProcessStats process;          // process_* series; values of -1 are left out
};

// Fills state.subscriptions (the records `configured` accepts) and state.backlogs from `store`:
// the store's share of a scrape, one read of every record (Store::ListSubscriptionStates: only
// the fields a scrape uses) and one count of the relay table.
// A failed read leaves its part empty.
void GatherFromStore(store::Store& store,
                     const std::function<bool(std::string_view, std::string_view)>& configured,
                     ScrapeState& state);

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
  void AddSubscriptionFamilies(const ScrapeState& state,
                               std::vector<prometheus::MetricFamily>& families) const;
  void AddBacklogFamilies(const ScrapeState& state,
                          std::vector<prometheus::MetricFamily>& families) const;
  void AddPlatformFamilies(const ScrapeState& state,
                           std::vector<prometheus::MetricFamily>& families) const;
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

  mutable std::mutex mu_;
  bool seeded_ = false;                                                 // guarded by mu_
  std::map<std::pair<std::string, std::string>, WallTime> last_event_;  // guarded by mu_
};

}  // namespace subkeeper::app
