// B8: the scheduler's cost per due renewal and per idle pass, in-process, against the real
// SqliteStore (WAL, synchronous=FULL: every commit is fsynced) holding N records.
//
//   bench_sched_cost DB N K [IDLE_TICKS]
//
// DB is seeded with the fleet of bench/tools/fleet.h when it does not exist (bench/run passes a
// fresh copy of a store it seeded once). The real RenewalService and Scheduler run on a
// ManualClock; the platform is a fake that answers Renew at once (no HTTP), so what is measured
// is the keeper's own work: the scheduler's pass, the lease, the record and history writes.
//   1. IDLE_TICKS passes with nothing due (all N configured, none due for days);
//   2. K records (spread over the file) made due, then one pass renews all of them;
//   3. one more idle pass.
// Prints one JSON object: per idle pass and per due renewal, in milliseconds.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "fleet.h"
#include "subkeeper/platform/api.h"
#include "subkeeper/renewal/scheduler.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/sqlite_store.h"

namespace {

using subkeeper::Result;
using subkeeper::Seconds;
using subkeeper::Status;
using subkeeper::platform::RemoteSubscription;

// Answers Renew at once with a fresh 7-day expiry; anything else is counted as unexpected.
class InstantApi final : public subkeeper::platform::SubscriptionApi {
 public:
  explicit InstantApi(const subkeeper::Clock& clock) : clock_(clock) {}
  Result<RemoteSubscription> Create(const std::string&,
                                    const subkeeper::platform::CreateRequest&) override {
    return Unexpected();
  }
  Result<std::vector<RemoteSubscription>> List(const std::string&) override { return Unexpected(); }
  Result<RemoteSubscription> Get(const std::string&, const std::string&) override {
    return Unexpected();
  }
  Result<RemoteSubscription> Update(const std::string&, const std::string&,
                                    const subkeeper::platform::UpdateRequest&) override {
    return Unexpected();
  }
  Result<RemoteSubscription> Renew(const std::string&, const std::string& id) override {
    renews_ += 1;
    RemoteSubscription remote;
    remote.id = id;
    remote.status = subkeeper::platform::RemoteStatus::Active();
    remote.event_filters = {"/restapi/v1.0/account/1/extension/2/voicemail",
                            "/restapi/v1.0/subscription/~?threshold=86400&interval=3600"};
    remote.transport_type = "WebHook";
    const auto now = clock_.Now();
    remote.creation_time = now - Seconds(86400);
    remote.expiration_time = now + Seconds(604800);
    remote.expires_in_s = 604800;
    return remote;
  }
  Status Delete(const std::string&, const std::string&) override { return Unexpected(); }

  int64_t renews() const { return renews_; }
  int64_t unexpected() const { return unexpected_; }

 private:
  Status Unexpected() {
    unexpected_ += 1;
    return Status::FailedPrecondition("not expected in this benchmark");
  }
  const subkeeper::Clock& clock_;
  std::atomic<int64_t> renews_{0};
  std::atomic<int64_t> unexpected_{0};
};

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Makes K records, evenly spread over the fleet, due one second before `now`.
Status MakeDue(subkeeper::store::SubscriptionStore& store, int64_t n, int64_t k,
               subkeeper::WallTime now) {
  for (int64_t j = 0; j < k; ++j) {
    const int64_t index = j * n / k;
    const std::string account = bench::AccountName(index / bench::kPerAccount);
    const std::string name = bench::SubscriptionName(static_cast<int>(index % bench::kPerAccount));
    SK_ASSIGN_OR_RETURN(auto record, store.GetSubscription(account, name));
    if (!record) return Status::NotFound(account + "/" + name + " is not in the store");
    record->next_renewal_at = now - Seconds(1);
    SK_RETURN_IF_ERROR(store.PutSubscription(*record, std::nullopt));
  }
  return Status::OK();
}

int Fail(const Status& status) {
  std::fprintf(stderr, "bench_sched_cost: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_sched_cost DB N K [IDLE_TICKS]\n");
    return 2;
  }
  const std::string db = argv[1];
  const int64_t n = std::atoll(argv[2]);
  const int64_t k = std::min<int64_t>(std::atoll(argv[3]), n);
  const int idle_ticks = argc > 4 ? std::atoi(argv[4]) : 20;

  spdlog::set_level(spdlog::level::warn);  // one info line per renewal would be measured too
  subkeeper::SystemClock system_clock;
  subkeeper::ManualClock clock(system_clock.Now());
  struct stat st;
  const bool seed = stat(db.c_str(), &st) != 0;
  auto opened = subkeeper::store::OpenSqliteStore(db, clock);
  if (!opened.ok()) return Fail(opened.status());
  auto& store = **opened;
  bench::FleetOptions fleet;
  fleet.subscriptions = n;
  if (seed) {
    if (Status s = bench::SeedFleet(store, fleet, clock.Now()); !s.ok()) return Fail(s);
  }

  InstantApi api(clock);
  subkeeper::renewal::ServiceOptions options;
  options.owner = "bench-sched-cost";
  options.webhook_secret = fleet.webhook_secret;
  subkeeper::renewal::RenewalService service(store, api, clock, options, [] { return 0.5; });
  subkeeper::renewal::Scheduler scheduler(store, service, clock);
  std::set<std::string> keys;
  for (int64_t i = 0; i < n; ++i) {
    keys.insert(bench::AccountName(i / bench::kPerAccount) + "/" +
                bench::SubscriptionName(static_cast<int>(i % bench::kPerAccount)));
  }
  scheduler.SetConfigured(std::move(keys));

  std::vector<double> idle_ms;
  for (int i = 0; i < idle_ticks; ++i) {
    clock.Advance(std::chrono::milliseconds(1000));
    const auto start = std::chrono::steady_clock::now();
    (void)scheduler.Tick();
    idle_ms.push_back(MillisSince(start));
  }
  if (api.renews() != 0) return Fail(Status::Internal("an idle pass renewed something"));

  if (Status s = MakeDue(store, n, k, clock.Now()); !s.ok()) return Fail(s);
  const auto start = std::chrono::steady_clock::now();
  (void)scheduler.Tick();
  const double due_ms = MillisSince(start);
  const int64_t renewed = api.renews();
  clock.Advance(std::chrono::milliseconds(1000));
  const auto after_start = std::chrono::steady_clock::now();
  (void)scheduler.Tick();
  const double after_ms = MillisSince(after_start);

  std::sort(idle_ms.begin(), idle_ms.end());
  const double idle_median = idle_ms.empty() ? 0 : idle_ms[idle_ms.size() / 2];
  std::printf(
      "{\"n\": %lld, \"k\": %lld, \"seeded\": %s, \"idle_ticks\": %d, \"idle_tick_ms\": "
      "{\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, \"due_tick_ms\": %.1f, "
      "\"per_due_renewal_ms\": %.3f, \"renewed\": %lld, \"unexpected_calls\": %lld, "
      "\"idle_tick_after_ms\": %.3f, \"renews_after\": %lld}\n",
      static_cast<long long>(n), static_cast<long long>(k), seed ? "true" : "false", idle_ticks,
      idle_median, idle_ms.empty() ? 0 : idle_ms.front(), idle_ms.empty() ? 0 : idle_ms.back(),
      due_ms, k > 0 ? due_ms / static_cast<double>(k) : 0.0, static_cast<long long>(renewed),
      static_cast<long long>(api.unexpected()), after_ms,
      static_cast<long long>(api.renews() - renewed));
  return renewed == k && api.unexpected() == 0 ? 0 : 1;
}
