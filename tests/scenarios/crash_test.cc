// Crash safety: the keeper is SIGKILLed at random moments while notifications pour in and the
// relay delivers them. After each restart on the same database the platform's retries (un-acked
// notifications sent again) continue. Every notification answered 200 must reach the app, byte
// for byte and in order; nothing the keeper rejected may reach it; the database stays intact and
// holds each uuid once.
//
// The kill moments come from a seeded generator (SUBKEEPER_CRASH_SEED to repeat a run); the seed
// and the moments are printed with any failure.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "subkeeper/common/secret.h"
#include "subkeeper/relay/signature.h"
#include "support/app_sink.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

constexpr char kPath[] = "/app/events";
constexpr int kKills = 5;
constexpr int kLoaders = 3;

struct Sent {
  std::string body;
  bool valid = true;  // sent with the right Verification-Token
  bool acked = false;
  int last_status = 0;  // 0 = no answer (connection refused or cut)
  int tries = 0;
};

// The platform's side: loader threads POST notifications with unique uuids to the keeper, one in
// every seven with a wrong token, and send every valid one that was not answered 200 again (as
// the platform retries), waiting for the keeper to come back when it is down.
class Load {
 public:
  Load(int port, std::string path, std::string token, std::string subscription_id,
       std::string event)
      : port_(port),
        path_(std::move(path)),
        token_(std::move(token)),
        subscription_id_(std::move(subscription_id)),
        event_(std::move(event)) {}
  ~Load() { Join(); }

  void Start(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  // No new uuids from now on; un-acked valid ones are still sent again.
  void StopNew() {
    std::lock_guard lock(mu_);
    stop_new_ = true;
    cv_.notify_all();
  }
  // Waits until every valid uuid is acked and nothing is in flight.
  bool Drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return Idle(); });
  }
  void Join() {
    {
      std::lock_guard lock(mu_);
      stop_all_ = true;
      cv_.notify_all();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // The keeper is listening again: loaders parked after a refused connection resume.
  void KeeperRestarted() {
    std::lock_guard lock(mu_);
    ++generation_;
    cv_.notify_all();
  }
  bool WaitAcked(int64_t at_least, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return acked_ >= at_least; });
  }
  int64_t acked() const {
    std::lock_guard lock(mu_);
    return acked_;
  }
  std::map<std::string, Sent> Snapshot() const {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  bool Idle() const { return stop_new_ && resend_.empty() && in_flight_ == 0; }

  std::string Body(const std::string& uuid, int64_t n) const {
    return json{{"uuid", uuid},
                {"event", event_},
                {"timestamp", "2024-05-01T10:00:00.000Z"},
                {"subscriptionId", subscription_id_},
                {"ownerId", "2"},
                {"body", {{"n", n}, {"pad", std::string(static_cast<size_t>(n % 97), 'p')}}}}
        .dump();
  }

  // Picks the next uuid to send (a retry first), or "" when the loader should stop.
  std::string Next(std::unique_lock<std::mutex>& lock) {
    for (;;) {
      if (stop_all_) return "";
      if (!resend_.empty()) {
        std::string uuid = resend_.front();
        resend_.pop_front();
        return uuid;
      }
      if (!stop_new_) {
        const int64_t n = next_++;
        std::string uuid = "crash-" + std::to_string(n);
        sent_[uuid] = Sent{Body(uuid, n), n % 7 != 3};
        return uuid;
      }
      cv_.wait(lock);
    }
  }

  void Run() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::seconds(1));
    client.set_read_timeout(std::chrono::seconds(5));
    std::unique_lock lock(mu_);
    for (;;) {
      const std::string uuid = Next(lock);
      if (uuid.empty()) return;
      Sent& sent = sent_[uuid];
      const std::string body = sent.body;
      const std::string token = sent.valid ? token_ : token_ + "-wrong";
      const int64_t generation = generation_;
      ++in_flight_;
      lock.unlock();
      const auto res =
          client.Post(path_.c_str(), {{"Verification-Token", token}}, body, "application/json");
      const int status = res ? res->status : 0;
      lock.lock();
      --in_flight_;
      ++sent.tries;
      sent.last_status = status;
      if (status == 200) {
        if (!sent.acked) ++acked_;
        sent.acked = true;
      } else if (sent.valid) {
        resend_.push_back(uuid);
      }
      if (status == 0 && !stop_all_) {
        // The keeper is down: wait for the restart instead of spinning on refused connections.
        cv_.wait_for(lock, std::chrono::seconds(2),
                     [&] { return generation_ != generation || stop_all_; });
      }
      cv_.notify_all();
    }
  }

  const int port_;
  const std::string path_, token_, subscription_id_, event_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Sent> sent_;  // guarded by mu_
  std::deque<std::string> resend_;    // guarded by mu_
  int64_t next_ = 0;                  // guarded by mu_
  int64_t acked_ = 0;                 // guarded by mu_
  int in_flight_ = 0;                 // guarded by mu_
  int64_t generation_ = 0;            // guarded by mu_
  bool stop_new_ = false;             // guarded by mu_
  bool stop_all_ = false;             // guarded by mu_
  std::vector<std::thread> threads_;
};

// "ok", or what integrity_check (or opening the file) reported.
std::string IntegrityCheck(const std::string& db_path) {
  try {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA integrity_check").getString();
  } catch (const std::exception& e) {
    return std::string("cannot check: ") + e.what();
  }
}

struct StoredEvents {
  std::vector<std::string> order;  // the route's notification uuids by seq
  std::vector<std::string> duplicates;
};

StoredEvents ReadStored(const std::string& db_path) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  StoredEvents out;
  SQLite::Statement order(db,
                          "SELECT uuid FROM events WHERE account = 'main' AND name = 'sms' "
                          "AND kind = 'event' ORDER BY seq");
  while (order.executeStep()) out.order.push_back(order.getColumn(0).getString());
  SQLite::Statement dups(db, "SELECT uuid FROM events GROUP BY uuid HAVING COUNT(*) > 1");
  while (dups.executeStep()) out.duplicates.push_back(dups.getColumn(0).getString());
  return out;
}

uint64_t Seed() {
  if (const char* env = std::getenv("SUBKEEPER_CRASH_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

// The first event filter that is not the reminder: what a real notification carries.
std::string EventFilter(Scenario& s, const std::string& id) {
  auto record = s.EmulatorRecord(id);
  REQUIRE(record.has_value());
  for (const auto& f : (*record)["eventFilters"]) {
    if (f.get<std::string>().find("/subscription/") == std::string::npos) return f;
  }
  FAIL("no event filter besides the reminder: " << record->dump());
  return "";
}

// One relayed subscription delivering to `sink`, long-lived: no renewal (and no lease held by
// a killed keeper) within the scenario; relay retries every second.
ScenarioOptions LoadOptions(const AppSink& sink) {
  ScenarioOptions options;
  options.deliver_to = sink.Url(kPath);
  options.expires_in_s = 120;
  options.threshold_s = 40;
  options.interval_s = 10;
  options.relay_section = "  min_backoff: 1\n  max_backoff: 1\n";
  return options;
}

}  // namespace

TEST_CASE("SIGKILL under load loses no acknowledged event and relays nothing unaccepted",
          "[integration][crash]") {
  AppSink sink;
  Scenario s(LoadOptions(sink));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  const uint64_t seed = Seed();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> acks_before_kill(3, 40);
  std::ostringstream log;
  log << "seed " << seed << " (SUBKEEPER_CRASH_SEED to repeat)\n";

  Load load(s.webhooks_port(), s.webhook_path(), s.verification_token(), id, EventFilter(s, id));
  load.Start(kLoaders);
  for (int kill = 1; kill <= kKills; ++kill) {
    const int64_t target = load.acked() + acks_before_kill(rng);
    const bool progressed = load.WaitAcked(target, 15s);
    log << "kill " << kill << ": at " << load.acked() << " acks (target " << target << ")\n";
    INFO(log.str());
    REQUIRE(progressed);
    s.KillKeeper();
    const std::string integrity = IntegrityCheck(s.db_path());
    log << "  integrity after kill: " << integrity << "\n";
    CHECK(integrity == "ok");
    s.StartKeeper();
    load.KeeperRestarted();
  }
  load.StopNew();
  const bool drained = load.Drain(20s);
  load.Join();
  const auto sent = load.Snapshot();
  INFO(log.str());
  REQUIRE(drained);

  std::set<std::string> acked, rejected;
  int resent = 0;
  for (const auto& [uuid, item] : sent) {
    if (item.valid && item.tries > 1) ++resent;
    if (item.valid) {
      CHECK(item.acked);
      acked.insert(uuid);
    } else {
      INFO("sent with a wrong token: " << uuid << ", answered " << item.last_status);
      CHECK_FALSE(item.acked);
      CHECK((item.last_status == 403 || item.last_status == 0));
      rejected.insert(uuid);
    }
  }
  INFO(sent.size() << " sent, " << acked.size() << " acked, " << rejected.size() << " rejected, "
                   << resent << " acked only after a retry");
  REQUIRE(acked.size() >= 20);

  const bool delivered = sink.WaitFor(
      [&](const auto& requests) {
        const auto first = FirstDeliveries(requests);
        const std::set<std::string> got(first.begin(), first.end());
        return std::includes(got.begin(), got.end(), acked.begin(), acked.end());
      },
      30s);
  const auto requests = sink.RequestsTo(kPath);
  const auto first = FirstDeliveries(requests);
  // More requests than events: at least once, an event the app got just before a kill may come
  // again after the restart.
  INFO("app requests: " << requests.size() << ", distinct delivered: " << first.size());
  CHECK(delivered);

  const std::string key = s.signing_key();
  int bad_bodies = 0, unaccepted = 0, unsigned_requests = 0;
  for (const auto& r : requests) {
    const auto it = sent.find(r.Header("webhook-id"));
    if (it == sent.end() || !it->second.valid) {
      ++unaccepted;
      UNSCOPED_INFO("relayed but never accepted: " << r.Header("webhook-id") << " " << r.body);
      continue;
    }
    if (r.body != it->second.body) ++bad_bodies;
    if (!SignedWith(r, key)) ++unsigned_requests;
  }
  CHECK(unaccepted == 0);
  CHECK(bad_bodies == 0);
  CHECK(unsigned_requests == 0);

  const StoredEvents stored = ReadStored(s.db_path());
  CHECK(stored.duplicates.empty());
  CHECK(IntegrityCheck(s.db_path()) == "ok");
  const std::set<std::string> stored_set(stored.order.begin(), stored.order.end());
  for (const auto& uuid : rejected) CHECK(stored_set.count(uuid) == 0);
  for (const auto& uuid : acked) CHECK(stored_set.count(uuid) == 1);
  // In order per subscription, across the crashes: the app first received them in seq order.
  std::vector<std::string> first_stored;
  for (const auto& uuid : first) {
    if (stored_set.count(uuid) == 1) first_stored.push_back(uuid);
  }
  CHECK(first_stored == stored.order);
}

TEST_CASE("SIGTERM under load stops within 10 s and loses nothing", "[integration][crash]") {
  AppSink sink;
  Scenario s(LoadOptions(sink));
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  Load load(s.webhooks_port(), s.webhook_path(), s.verification_token(), id, EventFilter(s, id));
  load.Start(kLoaders);
  REQUIRE(load.WaitAcked(20, 15s));
  // The app hangs on the next delivery: it is in flight when SIGTERM arrives, and released
  // (answered 200) two seconds after it arrived.
  sink.Stall(kPath, 2s);
  REQUIRE(sink.WaitFor(
      [](const auto& requests) {
        return std::any_of(requests.begin(), requests.end(),
                           [](const SinkRequest& r) { return r.stalled; });
      },
      15s));
  std::string in_flight;
  for (const auto& r : sink.Requests()) {
    if (r.stalled) in_flight = r.Header("webhook-id");
  }
  REQUIRE_FALSE(in_flight.empty());

  const Scenario::Termination stopped = s.TerminateKeeper(10s);
  INFO("stopped after " << stopped.took.count() << " ms, exit code " << stopped.exit_code);
  CHECK(stopped.exited);
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.took < 10s);
  {
    SQLite::Database db(s.db_path(), SQLite::OPEN_READONLY);
    // Leases released: the next keeper (or another replica) may renew at once.
    CHECK(db.execAndGet("SELECT COUNT(*) FROM subscriptions WHERE lease_owner != ''").getInt() ==
          0);
    // The delivery in flight was finished and recorded, not abandoned.
    SQLite::Statement state(db, "SELECT relay_state FROM events WHERE uuid = ?");
    state.bind(1, in_flight);
    REQUIRE(state.executeStep());
    CHECK(state.getColumn(0).getString() == "delivered");
  }
  CHECK(IntegrityCheck(s.db_path()) == "ok");

  // Everything answered 200 before or during the stop is stored; the rest is sent again.
  sink.ReleaseStalls(kPath);
  s.StartKeeper();
  load.KeeperRestarted();
  load.StopNew();
  const bool drained = load.Drain(20s);
  load.Join();
  REQUIRE(drained);
  std::set<std::string> acked;
  for (const auto& [uuid, item] : load.Snapshot()) {
    if (item.valid) acked.insert(uuid);
  }
  const StoredEvents stored = ReadStored(s.db_path());
  const std::set<std::string> stored_set(stored.order.begin(), stored.order.end());
  for (const auto& uuid : acked) CHECK(stored_set.count(uuid) == 1);
  CHECK(stored.duplicates.empty());
  CHECK(sink.WaitFor(
      [&](const auto& requests) {
        const auto first = FirstDeliveries(requests);
        const std::set<std::string> got(first.begin(), first.end());
        return std::includes(got.begin(), got.end(), acked.begin(), acked.end());
      },
      30s));
  // Delivered once: the graceful stop recorded it, so the restart did not send it again.
  const auto requests = sink.RequestsTo(kPath);
  CHECK(std::count_if(requests.begin(), requests.end(), [&](const SinkRequest& r) {
          return r.Header("webhook-id") == in_flight;
        }) == 1);
}

}  // namespace subkeeper::testing
