// The keeper's HttpTransport in a simulation: turns each request into an rcemu::Request for the
// platform of its account (PlatformFarm), injects the transport-level faults of the burst
// windows open at the time, and measures what the platform saw.
//
// Faults: inside a timeout window a hit request takes the whole request timeout of virtual time
// and returns kDeadlineExceeded — half of them after the platform processed it, half before it
// arrived; inside a token outage every token request gets a 503; inside a 5xx or 429 window a
// hit request gets an emulator fault (Platform::AddFault), the 429 one starting a real penalty
// with Retry-After 1–120 s.
//
// Not thread-safe (the simulation is single-threaded).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fault_plan.h"
#include "platform_farm.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/http/http.h"

namespace subkeeper::sim {

// What the transports and the platforms observed.
struct Metrics {
  std::map<std::string, int64_t> calls;   // by kind, see SimReport::api_calls
  std::map<std::string, int64_t> faults;  // by kind
  int64_t renewals = 0;
  int64_t creates = 0;
  int64_t requests_in_penalty = 0;
  int64_t duplicate_creates = 0;
  int64_t expired_on_touch = 0;  // expired subscriptions a call found before the job purged them
  std::optional<Millis> min_slack;
  int64_t reminders = 0;
  int64_t restarts = 0;
};

class KeeperTransport final : public http::HttpTransport {
 public:
  // Everything must outlive the transport. `server` is the keeper's platform base URL.
  // `hit_probability`: the chance that a request inside a burst window is hit.
  KeeperTransport(std::string server, PlatformFarm& farm, ManualClock& clock,
                  std::mt19937_64& engine, const ActiveFaults& faults, double hit_probability,
                  Metrics& metrics);

  Result<http::HttpResponse> Send(const http::HttpRequest& request) override;

  // While set, list calls are counted as reconcile lists.
  void set_reconciling(bool on) { reconciling_ = on; }

  // Make-before-break creates whose old subscription was not deleted by now are counted as
  // duplicates. Call between units of keeper work.
  void SettleDuplicates();

 private:
  struct Seen {  // what a request changed, measured around the platform call
    std::string kind;
    size_t shard = 0;
    std::string id;  // subscription id from the path
  };
  using Live = std::vector<std::pair<std::string, std::string>>;  // (id, address)
  // Sends `request` to the platform and measures it; `answered`: the keeper gets the answer.
  rcemu::Response Forward(const Seen& seen, const rcemu::Request& request, bool answered);
  Live LiveSubscriptions(size_t shard, WallTime now) const;
  void AfterCreate(size_t shard, const Live& live_before, const rcemu::Response& response);
  // Injects an emulator fault for the next call of `shard` when a 5xx or 429 window hits it.
  void MaybeEmulatorFault(size_t shard, WallTime now);
  bool Hit();

  const std::string server_;
  PlatformFarm& farm_;
  ManualClock& clock_;
  std::mt19937_64& engine_;
  const ActiveFaults& faults_;
  const double hit_probability_;
  Metrics& metrics_;
  bool reconciling_ = false;
  struct Suspect {  // a create made while `old_id` (same address) was alive
    size_t shard;
    std::string old_id;
    std::string new_id;
    std::string address;
    WallTime at{};
  };
  std::vector<Suspect> suspects_;
};

// "renew" "create" "get" "list" "update" "delete" "token" "other" for a method and path.
std::string CallKind(const std::string& method, const std::string& path);

}  // namespace subkeeper::sim
