// The relay: delivers committed events to each subscription's `deliver_to`, at least once and in
// order per subscription, signed the Standard Webhooks way, retrying with backoff until the
// maximum age, then dead-lettering (`subkeeper replay` resends). It runs on its own threads with
// its own HTTP transport: a slow or dead app never slows the answers to RingCentral.
//
// An event the app refuses with a client error (4xx but 408/429) is dead after
// retry.max_client_error_attempts attempts, and one whose request cannot be written at all (a
// header value with CR/LF/NUL, e.g. an unchecked uuid stored by an older version) is dead at
// once without being sent: neither may hold its subscription's later events until max_age. For
// each such notification (kind "event") the app gets a "subscription.delivery_dead_lettered"
// lifecycle event, queued with a "dead_lettered" history row in one transaction; a lifecycle
// event dead-lettered the same way gets none, so refusals cannot loop.
//
// Ordering: only the oldest pending event of a subscription is eligible (Store::ListRelayHeads);
// a subscription is handled by one worker at a time; a failed head blocks the ones behind it
// until it is delivered or dead. Subscriptions proceed independently of each other.
#pragma once
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/http/http.h"
#include "subkeeper/relay/policy.h"
#include "subkeeper/store/event_log.h"
#include "subkeeper/store/history_log.h"

namespace subkeeper::relay {

// Where each subscription's events go, keyed by "<account>/<name>". Published by the keeper on
// every applied config; a subscription missing here (or with an empty URL) keeps its pending
// events until it is configured again.
using Targets = std::map<std::string, std::string>;
// The same as a lookup: the delivery URL of (account, name), or null (none configured, or empty).
// The URL must stay valid while the lookup lives; it is called from the relay's threads. The
// keeper's looks into the applied config, so 100k subscriptions cost no second copy of their URLs.
using TargetLookup =
    std::function<const std::string*(std::string_view account, std::string_view name)>;

// The HMAC keys every delivery is signed with, in config order (see SignAll in signature.h).
using SigningKeys = std::vector<std::string>;

struct RelayOptions {
  RetryPolicy retry;
  std::chrono::milliseconds timeout{10000};  // per delivery request, connect + transfer
  int concurrency = 4;                       // subscriptions delivered at the same time
  int batch = 64;                            // events read per subscription per turn
  // Retention: delivered/none events are pruned after `retention`, dead ones after
  // `dead_retention` (by received_at), a bounded batch per pass.
  Seconds retention{604800};
  Seconds dead_retention{2592000};
  // How often the loop looks for work when nothing woke it and nothing is due: a safety net
  // for events requeued by another process whose wake-up did not arrive (`subkeeper replay`
  // wakes a running daemon through POST /v1/relay/wake). Long, so an idle keeper sleeps.
  std::chrono::milliseconds idle_poll{60000};
  std::string user_agent = "subkeeper";
  // Whether this relay prunes old events now (several keepers on one database: only the one
  // that leads housekeeping does). Unset: always. Called from the relay's loop.
  std::function<bool()> prunes;
};

struct RelayStats {
  int64_t delivered = 0;  // attempts answered 2xx
  int64_t failed = 0;     // attempts that failed (and will be retried or went dead)
  int64_t dead = 0;       // events dead-lettered
  int64_t refused = 0;    // of those, dead for a client error or a request that cannot be sent
};

// The request of one delivery attempt of `event` at `now`: POST to `url` with the stored body and
// the headers content-type, webhook-id (the uuid), webhook-timestamp, webhook-signature (one
// "v1,<sig>" per key of `keys`, in order, see signature.h), user-agent, subkeeper-account,
// subkeeper-subscription and subkeeper-event-kind. Values are copied as they are: the relay checks
// them with http::CheckHeaders before sending.
http::HttpRequest BuildDeliveryRequest(const store::EventRecord& event, const std::string& url,
                                       const SigningKeys& keys, WallTime now,
                                       const RelayOptions& options);

class Relay {
 public:
  // `store` (the outbox), `history` (where a dead-lettered event is recorded), `transport` and
  // `clock` must outlive the relay. `unit_random` returns [0, 1) for the retry jitter.
  Relay(store::EventLog& store, store::HistoryLog& history, http::HttpTransport& transport,
        const Clock& clock, RelayOptions options, std::function<double()> unit_random);
  ~Relay();  // Stop()s

  // Replaces the targets and the signing keys (SigningKey of each secret, in order; a secret that
  // is not a Standard Webhooks secret is left out, config validation refuses those); takes effect
  // on the next attempt, so after a reload every new request carries the new key set.
  void Configure(Targets targets, const std::vector<Secret>& signing_secrets);
  void Configure(TargetLookup targets, const std::vector<Secret>& signing_secrets);

  // One synchronous pass at `clock.Now()`: delivers every due event of every configured
  // subscription, in order, with `concurrency` workers, and returns when they are done; prunes
  // one batch. Returns the earliest time something will be due again (unset = nothing pending
  // for a configured subscription). Used by the background loop and directly by tests.
  Result<WallTime> RunOnce();

  // Background mode: a loop hands each due subscription to a pool of `concurrency` workers and
  // does not wait for them, so an app that hangs holds one worker, never the others' deliveries;
  // a worker that finishes a subscription wakes the loop. The loop waits for the earliest due
  // time, a Wake, or idle_poll.
  void Start();
  void Stop();  // finishes in-flight requests (bounded by the timeout), then returns. Idempotent.
  void Wake();  // new events were committed; cheap, callable from any thread

  RelayStats stats() const;

 private:
  struct Route;
  // Claims the route, delivers it, releases it (a no-op when another worker holds it).
  Status DeliverRoute(const std::string& account, const std::string& name, const std::string& url);
  // Delivers the due events of a route already claimed, in order.
  Status DeliverClaimed(const std::string& account, const std::string& name,
                        const std::string& url);
  // Delivers one event, signed with the keys configured at this moment; writes the outcome. Returns
  // true when the next event of the route may go (delivered or dead), false when the route must
  // wait (retry scheduled).
  Result<bool> DeliverOne(const store::EventRecord& event, const std::string& url);
  void Loop();
  // One turn of the background loop: claims the due subscriptions and queues them for the
  // workers; prunes at most every prune_every. Returns the earliest due time of the unclaimed.
  Result<WallTime> Dispatch();
  void Work();  // a pool worker: delivers queued subscriptions until Stop
  // Runs the routes of `due` ("<account>/<name>" and URL) on up to `concurrency` workers;
  // returns the first store error.
  Status DeliverRoutes(const std::vector<std::pair<store::EventRecord, std::string>>& due);
  bool ClaimRoute(const std::string& route);  // false when another worker holds it
  void ReleaseRoute(const std::string& route);
  // Dead-letters `event` (refused for good, or not sendable: `status` is the app's answer, 0 for
  // none) and, for a notification, queues the delivery_dead_lettered lifecycle event first.
  Status DeadLetterRefused(const store::EventRecord& event, const store::RelayUpdate& update,
                           int status);
  // Logs a route's change between delivering and failing once, not every attempt.
  void NoteOutcome(const store::EventRecord& event, bool delivered, bool dead,
                   const std::string& reason);
  bool Stopping() const;
  // The targets (shared, not copied: 100k of them are megabytes).
  std::shared_ptr<const TargetLookup> CurrentTargets() const;
  // The signing keys, read per attempt so that a reload re-signs the very next request.
  SigningKeys CurrentKeys() const;
  double Random();

  store::EventLog& store_;
  store::HistoryLog& history_;
  http::HttpTransport& transport_;
  const Clock& clock_;
  const RelayOptions options_;
  std::function<double()> unit_random_ GUARDED_BY(random_mu_);

  mutable Mutex mu_;
  CondVar cv_;
  std::shared_ptr<const TargetLookup> targets_ GUARDED_BY(mu_);  // never null
  SigningKeys keys_ GUARDED_BY(mu_);                             // never logged
  bool woken_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  RelayStats stats_ GUARDED_BY(mu_);
  // Per-route bookkeeping, keyed by "<account>/<name>": which routes a worker holds (so two
  // passes never deliver one route at once) and what was last logged about each.
  std::map<std::string, std::unique_ptr<Route>> routes_ GUARDED_BY(mu_);
  Mutex random_mu_;  // unit_random_ need not be thread-safe
  // Background mode: claimed subscriptions waiting for a worker.
  struct Task {
    std::string account;
    std::string name;
    std::string url;
  };
  std::deque<Task> tasks_ GUARDED_BY(mu_);
  CondVar work_cv_;
  std::vector<std::thread> workers_;
  WallTime last_prune_{};  // loop thread only
  std::thread loop_;
};

}  // namespace subkeeper::relay
