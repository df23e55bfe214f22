#include "subkeeper/app/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cctype>

#include "subkeeper/common/status.h"

namespace subkeeper::app {
namespace {

// The platform answers within a few hundred ms; renewals must not take seconds.
const prometheus::Histogram::BucketBoundaries kHandshakeBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3};
// A notification is answered after its commit; the platform gives up after about 3 s.
const prometheus::Histogram::BucketBoundaries kAckBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

std::string RecreationReason(std::string_view detail) {
  if (Contains(detail, "no longer had") || Contains(detail, "not found")) return "purged";
  if (Contains(detail, "Blacklisted") || Contains(detail, "Suspended") ||
      Contains(detail, "status")) {
    return "not_active";
  }
  if (Contains(detail, "address")) return "address_changed";
  if (Contains(detail, "secret") || Contains(detail, "token")) return "secret_rotated";
  if (Contains(detail, "filter")) return "filters_changed";
  if (Contains(detail, "no live subscription") || Contains(detail, "missing")) return "missing";
  return "other";
}

std::string FailureCode(std::string_view detail) {
  const size_t colon = detail.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return "other";
  for (char c : detail.substr(0, colon)) {
    if (!std::islower(static_cast<unsigned char>(c)) && c != '_') return "other";
  }
  return std::string(detail.substr(0, colon));
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  renewals_ = &prometheus::BuildCounter()
                   .Name("subkeeper_renewals_total")
                   .Help("Successful renewals, by what triggered them (reminder, timer, manual).")
                   .Register(*registry_);
  recreations_ = &prometheus::BuildCounter()
                      .Name("subkeeper_recreations_total")
                      .Help("Subscriptions created again, by reason.")
                      .Register(*registry_);
  failures_ = &prometheus::BuildCounter()
                   .Name("subkeeper_renewal_failures_total")
                   .Help("Failed renewal, create or update attempts, by error code.")
                   .Register(*registry_);
  calls_ = &prometheus::BuildCounter()
                .Name("subkeeper_platform_calls_total")
                .Help("Calls to the platform, by rate-limit group and HTTP status (0: no answer).")
                .Register(*registry_);
  auto& events = prometheus::BuildCounter()
                     .Name("subkeeper_events_accepted_total")
                     .Help("Notifications committed to the store (duplicates not counted).")
                     .Register(*registry_);
  accepted_ = &events.Add({});
  relayed_ = &prometheus::BuildCounter()
                  .Name("subkeeper_events_relayed_total")
                  .Help("Notifications delivered to the app (a 2xx answer).")
                  .Register(*registry_)
                  .Add({});
  dead_lettered_ = &prometheus::BuildCounter()
                        .Name("subkeeper_events_dead_lettered_total")
                        .Help(
                            "Notifications dead-lettered: after relay.max_age, refused by the app "
                            "with a client error, or unsendable.")
                        .Register(*registry_)
                        .Add({});
  // Every known label value starts at 0, so that rate() and alerts see a series from the first
  // scrape instead of only after the first occurrence.
  for (const char* trigger : {"reminder", "timer", "manual", "startup"}) {
    renewals_->Add({{"trigger", trigger}});
  }
  for (const char* reason : {"purged", "not_active", "address_changed", "secret_rotated",
                             "filters_changed", "missing", "other"}) {
    recreations_->Add({{"reason", reason}});
  }
  for (int code = static_cast<int>(StatusCode::kInvalidArgument);
       code <= static_cast<int>(StatusCode::kDataLoss); ++code) {
    failures_->Add({{"code", StatusCodeName(static_cast<StatusCode>(code))}});
  }
  failures_->Add({{"code", "other"}});
  handshake_ = &prometheus::BuildHistogram()
                    .Name("subkeeper_webhook_handshake_seconds")
                    .Help("Validation handshakes: first byte received to answer written.")
                    .Register(*registry_)
                    .Add({}, kHandshakeBuckets);
  ack_ = &prometheus::BuildHistogram()
              .Name("subkeeper_webhook_ack_seconds")
              .Help("Notifications: first byte received to answer written (after the commit).")
              .Register(*registry_)
              .Add({}, kAckBuckets);
}

Metrics::~Metrics() = default;

void Metrics::History(std::string_view kind, std::string_view trigger, std::string_view detail) {
  if (kind == "renewed") {
    renewals_->Add({{"trigger", std::string(trigger.empty() ? "unknown" : trigger)}}).Increment();
  } else if (kind == "recreated") {
    recreations_->Add({{"reason", RecreationReason(detail)}}).Increment();
  } else if (kind == "failed") {
    failures_->Add({{"code", FailureCode(detail)}}).Increment();
  }
}

void Metrics::PlatformCall(std::string_view group, int status) {
  calls_->Add({{"group", std::string(group)}, {"status", std::to_string(status)}}).Increment();
}

void Metrics::EventAccepted(std::string_view account, std::string_view name, WallTime at) {
  accepted_->Increment();
  MutexLock lock(mu_);
  WallTime& last = last_event_[{std::string(account), std::string(name)}];
  last = std::max(last, at);
}

void Metrics::EventRelayed() { relayed_->Increment(); }

void Metrics::EventDeadLettered() { dead_lettered_->Increment(); }

void Metrics::WebhookAnswered(bool handshake, std::chrono::nanoseconds elapsed) {
  (handshake ? handshake_ : ack_)->Observe(std::chrono::duration<double>(elapsed).count());
}

void Metrics::SeedLastEvents(const std::vector<store::LastEvent>& last) {
  MutexLock lock(mu_);
  for (const auto& e : last) {
    WallTime& t = last_event_[{e.account, e.name}];
    t = std::max(t, e.received_at);
  }
  seeded_ = true;
}

bool Metrics::seeded() const {
  MutexLock lock(mu_);
  return seeded_;
}

}  // namespace subkeeper::app
