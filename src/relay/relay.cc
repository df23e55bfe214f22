#include "subkeeper/relay/relay.h"

#include <algorithm>
#include <atomic>

#include "relay_internal.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/metrics_hook.h"
#include "subkeeper/relay/lifecycle.h"
#include "subkeeper/relay/signature.h"

namespace subkeeper::relay {

using internal::kPruneBatch;
using internal::RouteKey;
using internal::UrlOf;

namespace {

int64_t UnixSeconds(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// One line for a history row: control characters of an unchecked uuid become '?', and a long
// one is cut.
std::string Printable(std::string_view text, size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace

http::HttpRequest BuildDeliveryRequest(const store::EventRecord& event, const std::string& url,
                                       const SigningKeys& keys, WallTime now,
                                       const RelayOptions& options) {
  const int64_t timestamp = UnixSeconds(now);
  http::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.body = event.body;
  request.timeout = options.timeout;
  request.headers = {
      {"content-type", "application/json"},
      {"webhook-id", event.uuid},
      {"webhook-timestamp", std::to_string(timestamp)},
      {"webhook-signature", SignAll(keys, event.uuid, timestamp, event.body)},
      {"user-agent", options.user_agent},
      // So the app can route without parsing the body.
      {"subkeeper-account", event.account},
      {"subkeeper-subscription", event.name},
      {"subkeeper-event-kind", std::string(store::EventKindText(event.kind))},
  };
  return request;
}

Relay::Relay(store::EventLog& store, store::HistoryLog& history, http::HttpTransport& transport,
             const Clock& clock, RelayOptions options, std::function<double()> unit_random)
    : store_(store),
      history_(history),
      transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      unit_random_(std::move(unit_random)),
      targets_(std::make_shared<const TargetLookup>(
          [](std::string_view, std::string_view) -> const std::string* { return nullptr; })) {}

Relay::~Relay() { Stop(); }

void Relay::Configure(Targets targets, const std::vector<Secret>& signing_secrets) {
  Configure(
      [targets = std::move(targets)](std::string_view account,
                                     std::string_view name) -> const std::string* {
        std::string key;
        key.reserve(account.size() + 1 + name.size());
        key.append(account).append("/").append(name);
        auto it = targets.find(key);
        return it == targets.end() || it->second.empty() ? nullptr : &it->second;
      },
      signing_secrets);
}

void Relay::Configure(TargetLookup targets, const std::vector<Secret>& signing_secrets) {
  auto lookup = std::make_shared<const TargetLookup>(std::move(targets));
  SigningKeys keys;
  for (const Secret& secret : signing_secrets) {
    if (std::optional<std::string> key = SigningKey(secret)) keys.push_back(std::move(*key));
  }
  MutexLock lock(mu_);
  targets_ = std::move(lookup);
  keys_ = std::move(keys);
}

std::shared_ptr<const TargetLookup> Relay::CurrentTargets() const {
  MutexLock lock(mu_);
  return targets_;
}

SigningKeys Relay::CurrentKeys() const {
  MutexLock lock(mu_);
  return keys_;
}

Result<WallTime> Relay::RunOnce() {
  const WallTime now = clock_.Now();
  SK_ASSIGN_OR_RETURN(std::vector<store::EventRecord> heads, store_.ListRelayHeads());
  const std::shared_ptr<const TargetLookup> targets = CurrentTargets();
  std::vector<std::pair<store::EventRecord, std::string>> due;
  for (store::EventRecord& head : heads) {
    const std::string* url = UrlOf(*targets, head);
    if (url != nullptr && head.next_attempt_at <= now) due.emplace_back(std::move(head), *url);
  }
  Status first_error = DeliverRoutes(due);

  if (!options_.prunes || options_.prunes()) {
    auto pruned =
        store_.PruneEvents(now - options_.retention, now - options_.dead_retention, kPruneBatch);
    if (!pruned.ok() && first_error.ok()) first_error = pruned.status();
  }

  // Heads again: the pass moved them, and events may have arrived meanwhile.
  SK_ASSIGN_OR_RETURN(heads, store_.ListRelayHeads());
  SK_RETURN_IF_ERROR(first_error);
  const WallTime after = clock_.Now();
  WallTime earliest{};
  for (const store::EventRecord& head : heads) {
    if (UrlOf(*targets, head) == nullptr) continue;
    const WallTime at = std::max(head.next_attempt_at, after);
    if (earliest == WallTime{} || at < earliest) earliest = at;
  }
  return earliest;
}

Status Relay::DeliverRoutes(const std::vector<std::pair<store::EventRecord, std::string>>& due) {
  std::atomic<size_t> next{0};
  Mutex error_mu;
  Status first_error;
  auto work = [&] {
    for (size_t i = next++; i < due.size() && !Stopping(); i = next++) {
      const store::EventRecord& head = due[i].first;
      Status status = DeliverRoute(head.account, head.name, due[i].second);
      if (!status.ok()) {
        // Returned to the loop, which logs a store error once rather than every pass.
        logging::RelayLog({head.account, head.name}).debug("relay: {}", status.ToString());
        MutexLock lock(error_mu);
        if (first_error.ok()) first_error = std::move(status);
      }
    }
  };
  const size_t workers =
      std::min(due.size(), static_cast<size_t>(std::max(1, options_.concurrency)));
  std::vector<std::thread> threads;
  // The calling thread is one of the workers.
  for (size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  return first_error;
}

Status Relay::DeliverRoute(const std::string& account, const std::string& name,
                           const std::string& url) {
  const std::string route = RouteKey(account, name);
  if (!ClaimRoute(route)) return Status::OK();  // another pass is delivering it
  Status status = DeliverClaimed(account, name, url);
  ReleaseRoute(route);
  return status;
}

Status Relay::DeliverClaimed(const std::string& account, const std::string& name,
                             const std::string& url) {
  SK_ASSIGN_OR_RETURN(
      std::vector<store::EventRecord> events,
      store_.ListEvents(account, name, store::RelayState::kPending, options_.batch));
  for (const store::EventRecord& event : events) {
    // A retry that is not due yet blocks the events behind it.
    if (Stopping() || event.next_attempt_at > clock_.Now()) break;
    SK_ASSIGN_OR_RETURN(const bool go_on, DeliverOne(event, url));
    if (!go_on) break;
  }
  return Status::OK();
}

Result<bool> Relay::DeliverOne(const store::EventRecord& event, const std::string& url) {
  store::RelayUpdate update;
  update.attempts = event.attempts + 1;
  http::HttpRequest request =
      BuildDeliveryRequest(event, url, CurrentKeys(), clock_.Now(), options_);
  // A request that cannot be written as it is would never be: dead now, nothing sent.
  if (Status headers = http::CheckHeaders(request.headers); !headers.ok()) {
    update.last_error = "not sent: " + headers.message();
    SK_RETURN_IF_ERROR(DeadLetterRefused(event, update, 0));
    return true;
  }
  const auto response = transport_.Send(request);
  const WallTime now = clock_.Now();
  if (response.ok() && Delivered(response->status)) {
    update.relay_state = store::RelayState::kDelivered;
    update.delivered_at = now;
    {
      MutexLock lock(mu_);
      ++stats_.delivered;
    }
    SK_RETURN_IF_ERROR(store_.UpdateRelay(event.seq, update));
    if (event.kind == store::EventKind::kEvent) metrics::Current().EventRelayed();
    NoteOutcome(event, true, false, "");
    return true;
  }
  update.last_error = response.ok() ? FailureReason(response->status, response->body)
                                    : FailureReason(response.status());
  if (response.ok() && RefusedForGood(options_.retry, response->status, update.attempts)) {
    SK_RETURN_IF_ERROR(DeadLetterRefused(event, update, response->status));
    return true;
  }
  const std::optional<WallTime> next =
      NextAttempt(options_.retry, event.received_at, now, update.attempts, Random());
  update.relay_state = next ? store::RelayState::kPending : store::RelayState::kDead;
  if (next) update.next_attempt_at = *next;
  {
    MutexLock lock(mu_);
    ++stats_.failed;
    if (!next) ++stats_.dead;
  }
  SK_RETURN_IF_ERROR(store_.UpdateRelay(event.seq, update));
  if (!next && event.kind == store::EventKind::kEvent) metrics::Current().EventDeadLettered();
  NoteOutcome(event, false, !next, update.last_error);
  return !next.has_value();
}

Status Relay::DeadLetterRefused(const store::EventRecord& event, const store::RelayUpdate& update,
                                int status) {
  const WallTime now = clock_.Now();
  store::RelayUpdate dead = update;
  dead.relay_state = store::RelayState::kDead;
  if (event.kind == store::EventKind::kEvent) {
    // Queued before the event is marked dead, in one transaction with its history row: a crash
    // in between leaves the event pending, to be refused and reported again (at least once).
    LifecycleFacts facts;
    facts.type = "delivery_dead_lettered";
    facts.account = event.account;
    facts.name = event.name;
    facts.subscription_id = event.subscription_id;
    facts.event_id = event.uuid;
    facts.event = event.event;
    facts.event_received_at = event.received_at;
    facts.attempts = update.attempts;
    facts.last_status = status;
    facts.last_error = update.last_error;
    facts.reason = status == 0 ? "unsendable" : "client_error";
    // No remote id on the row: the renewal service reads the newest one as the subscription's
    // previous id, and an old event's subscriptionId must not pass for it.
    store::HistoryEntry entry =
        store::MakeHistory(now, event.account, event.name, store::HistoryKind::kDeadLettered, "",
                           "event " + Printable(event.uuid, 64) + ": " + update.last_error);
    entry.outbox.push_back(MakeLifecycleEvent(facts, now, NewLifecycleEventId()));
    SK_RETURN_IF_ERROR(history_.AppendHistory(entry));
  }
  {
    MutexLock lock(mu_);
    ++stats_.failed;
    ++stats_.dead;
    ++stats_.refused;
  }
  SK_RETURN_IF_ERROR(store_.UpdateRelay(event.seq, dead));
  if (event.kind == store::EventKind::kEvent) metrics::Current().EventDeadLettered();
  // Each one is its own event (not a streak of an app that is down): one line each.
  logging::RelayLog({event.account, event.name, event.subscription_id})
      .warn("relay: dead-lettered ({}) after {} attempt(s): {}", store::EventKindText(event.kind),
            update.attempts, update.last_error);
  return Status::OK();
}

bool Relay::ClaimRoute(const std::string& route) {
  MutexLock lock(mu_);
  std::unique_ptr<Route>& state = routes_[route];
  if (!state) state = std::make_unique<Route>();
  if (state->busy) return false;
  state->busy = true;
  return true;
}

void Relay::ReleaseRoute(const std::string& route) {
  MutexLock lock(mu_);
  routes_[route]->busy = false;
}

void Relay::NoteOutcome(const store::EventRecord& event, bool delivered, bool dead,
                        const std::string& reason) {
  const std::string route = RouteKey(event.account, event.name);
  bool recovered = false;
  bool started_failing = false;
  bool first_dead = false;
  {
    MutexLock lock(mu_);
    Route& state = *routes_[route];
    if (delivered) {
      recovered = state.failing;
      state.failing = false;
      state.dead_logged = false;
    } else {
      started_failing = !state.failing;
      state.failing = true;
      first_dead = dead && !state.dead_logged;
      state.dead_logged = state.dead_logged || dead;
    }
  }
  // An app that is down fails every attempt: one line when that starts and one when it ends.
  auto log = logging::RelayLog({event.account, event.name, event.subscription_id});
  if (recovered) log.info("relay: delivering again");
  if (started_failing) log.warn("relay: delivery failing ({}); retrying", reason);
  if (first_dead) {
    log.warn("relay: events older than {} s are dead-lettered (`subkeeper replay` resends)",
             options_.retry.max_age.count());
  } else if (dead) {
    log.debug("relay: event dead-lettered: {}", reason);
  } else if (!delivered && !started_failing) {
    log.debug("relay: attempt failed: {}", reason);
  }
}

bool Relay::Stopping() const {
  MutexLock lock(mu_);
  return stopping_;
}

double Relay::Random() {
  MutexLock lock(random_mu_);
  return unit_random_();
}

RelayStats Relay::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

}  // namespace subkeeper::relay
