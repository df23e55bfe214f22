// Claims on accounts when several keepers share one database: AccountClaims' trust window and
// fencing on a ManualClock, then two controllers on one SQLite file and one emulated platform,
// where only the claim holder may call the platform and the other takes over after the TTL.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/emulated_platform.h"
#include "app/system_env.h"
#include "subkeeper/app/account_claims.h"
#include "subkeeper/app/controller.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::app {
namespace {

using namespace std::chrono_literals;

constexpr ClaimOptions kClaims{Millis(30000)};  // extended after 10 s, trusted for 28 s

std::unique_ptr<store::Store> MemoryStore(const Clock& clock) {
  auto opened = store::OpenSqliteStore(":memory:", clock);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

platform::AccountSnapshot Tokens(const std::string& account, const std::string& access) {
  platform::AccountSnapshot snapshot;
  snapshot.account = account;
  snapshot.access_token = Secret(access);
  snapshot.state = platform::CredentialState::kReady;
  return snapshot;
}

TEST_CASE("A claim admits a call only when the call would end inside its trust window",
          "[app][claims]") {
  ManualClock clock;
  auto store = MemoryStore(clock);
  AccountClaims claims(*store, clock, "keeper-a", kClaims);

  const auto first = claims.Maintain({"acme"});
  CHECK(first.gained == std::vector<std::string>{"acme"});
  CHECK(claims.Epoch("acme") == 1);
  CHECK(claims.Holds("acme"));
  CHECK(claims.Admit("acme", 10s).ok());
  CHECK(claims.Admit("other", 1s).code() == StatusCode::kUnavailable);
  CHECK(claims.NextDue() == clock.SteadyNow() + 2s);  // the poll comes before the extension

  // Not extended for 20 s: trusted until 28 s after it was taken.
  clock.Advance(20s);
  CHECK(claims.Admit("acme", 10s).code() == StatusCode::kUnavailable);
  CHECK(claims.Admit("acme", 7s).ok());
  const auto extended = claims.Maintain({"acme"});
  CHECK(extended.gained.empty());
  CHECK(extended.lost.empty());
  CHECK(claims.Epoch("acme") == 1);  // the same claim, longer
  CHECK(claims.Admit("acme", 10s).ok());

  // A keeper that was paused past its window trusts nothing when it resumes.
  clock.Advance(29s);
  CHECK_FALSE(claims.Holds("acme"));
  CHECK(claims.Admit("acme", 1s).code() == StatusCode::kUnavailable);
  CHECK(claims.Held().size() == 1);
  CHECK_FALSE(claims.Held().front().trusted);

  SECTION("another keeper takes the lapsed claim; the paused one learns it lost it") {
    clock.Advance(2s);  // past the stored end (30 s after the extension)
    AccountClaims other(*store, clock, "keeper-b", kClaims);
    CHECK(other.Maintain({"acme"}).gained == std::vector<std::string>{"acme"});
    CHECK(other.Epoch("acme") == 2);
    const auto resumed = claims.Maintain({"acme"});
    CHECK(resumed.lost == std::vector<std::string>{"acme"});
    CHECK_FALSE(claims.Epoch("acme"));
    CHECK(claims.counters().lost == 1);
    CHECK(claims.counters().gained == 1);
  }
}

TEST_CASE("Tokens are saved only under the claim, and a stale holder's pair is refused",
          "[app][claims]") {
  ManualClock clock;
  auto store = MemoryStore(clock);
  AccountClaims a(*store, clock, "keeper-a", kClaims);
  FencedAccountState a_state(*store, a);

  CHECK(a_state.SaveAccount(Tokens("acme", "never-held")).code() ==
        StatusCode::kFailedPrecondition);
  REQUIRE(a.Maintain({"acme"}).gained.size() == 1);
  REQUIRE(a_state.SaveAccount(Tokens("acme", "pair-of-a")).ok());

  // A stalls; its claim lapses and B takes the account and saves its own pair.
  clock.Advance(31s);
  AccountClaims b(*store, clock, "keeper-b", kClaims);
  FencedAccountState b_state(*store, b);
  REQUIRE(b.Maintain({"acme"}).gained.size() == 1);
  REQUIRE(b_state.SaveAccount(Tokens("acme", "pair-of-b")).ok());

  // A wakes up with a refreshed pair from before: refused, and A drops the claim at once.
  const Status stale = a_state.SaveAccount(Tokens("acme", "late-pair-of-a"));
  CHECK(stale.code() == StatusCode::kAborted);
  CHECK(stale.message().find("late-pair") == std::string::npos);
  CHECK(a.counters().fence_lost == 1);
  CHECK_FALSE(a.Epoch("acme"));
  CHECK(a.Maintain({"acme"}).lost == std::vector<std::string>{"acme"});
  auto saved = store->LoadAccounts();
  REQUIRE(saved.ok());
  REQUIRE(saved->size() == 1);
  CHECK(saved->front().access_token.Reveal() == "pair-of-b");
}

TEST_CASE("A claim no longer wanted is given back and another keeper takes it at once",
          "[app][claims]") {
  ManualClock clock;
  auto store = MemoryStore(clock);
  AccountClaims a(*store, clock, "keeper-a", kClaims);
  AccountClaims b(*store, clock, "keeper-b", kClaims);
  REQUIRE(a.Maintain({"acme", "globex"}).gained.size() == 2);
  CHECK(b.Maintain({"acme", "globex"}).gained.empty());

  a.Maintain({"globex"});  // acme left A's config
  CHECK(a.counters().released == 1);
  clock.Advance(2s);  // B's next poll, long before the TTL
  CHECK(b.Maintain({"acme", "globex"}).gained == std::vector<std::string>{"acme"});
  CHECK(b.Epoch("acme") == 2);

  a.ReleaseAll();  // shutdown
  clock.Advance(2s);
  CHECK(b.Maintain({"acme", "globex"}).gained == std::vector<std::string>{"globex"});
}

// One keeper's way to the shared emulated platform, recording each call it sends.
class RecordingTransport final : public http::HttpTransport {
 public:
  explicit RecordingTransport(http::HttpTransport& inner) : inner_(inner) {}
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    calls.push_back(request.method + " " +
                    request.url.substr(std::string(testing::kServer).size()));
    return inner_.Send(request);
  }
  int Count(const std::string& prefix) const {
    return static_cast<int>(std::count_if(
        calls.begin(), calls.end(), [&](const std::string& c) { return c.starts_with(prefix); }));
  }
  std::vector<std::string> calls;

 private:
  http::HttpTransport& inner_;
};

config::Config SharedConfig(const std::string& db) { return testing::EmulatedConfig(db); }

struct Replica {
  Replica(const std::string& owner, const std::string& db, ManualClock& clock,
          http::HttpTransport& platform)
      : transport(platform) {
    env.clock = &clock;
    env.platform = &transport;
    env.open_store = [&clock](const config::StoreConfig& where, store::OpenMode mode) {
      return store::OpenSqliteStore(where.sqlite_path, clock, mode);
    };
    env.unit_random = [] { return 0.5; };
    env.lease_owner = owner;
    ControllerOptions options;
    options.claims = kClaims;
    controller = std::make_unique<Controller>(env, SharedConfig(db), options);
  }
  RecordingTransport transport;
  KeeperEnv env;
  std::unique_ptr<Controller> controller;
};

// Two keepers (controllers) on one SQLite file and one emulated platform, opened, claimed and
// begun in that order, as two daemons starting one after the other would be: A holds the account.
struct TwoKeepers {
  TwoKeepers() {
    char pattern[] = "/tmp/sk-claims-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    dir = pattern;
    db = (dir / "shared.db").string();
    a = std::make_unique<Replica>("keeper-a", db, clock, emulated);
    b = std::make_unique<Replica>("keeper-b", db, clock, emulated);
    REQUIRE(a->controller->Open().ok());
    a->controller->MaintainClaims();
    REQUIRE(b->controller->Open().ok());
    b->controller->MaintainClaims();
    a->controller->Begin("http://keeper.test");
    b->controller->Begin("http://keeper.test");
  }
  ~TwoKeepers() {
    a.reset();
    b.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::string db;
  ManualClock clock;
  testing::EmulatedPlatform emulated{clock};
  std::unique_ptr<Replica> a;
  std::unique_ptr<Replica> b;
};

TEST_CASE(
    "Two keepers on one store: only the claim holder calls the platform, the other "
    "takes over after the TTL with the tokens it left",
    "[app][claims]") {
  TwoKeepers keepers;
  ManualClock& clock = keepers.clock;
  testing::EmulatedPlatform& emulated = keepers.emulated;
  Replica& a = *keepers.a;
  Replica& b = *keepers.b;
  const std::string& db = keepers.db;
  REQUIRE(a.controller->claims()->Holds("acme"));
  REQUIRE_FALSE(b.controller->claims()->Holds("acme"));
  // One housekeeper among them.
  CHECK(a.controller->Housekeeps());
  CHECK_FALSE(b.controller->Housekeeps());

  a.controller->Tick(clock.Now(), 8);
  b.controller->Tick(clock.Now(), 8);
  b.controller->scheduler().Tick();
  CHECK(a.transport.Count("POST /restapi/v1.0/subscription") == 1);
  CHECK(a.transport.Count("POST /restapi/oauth/token") == 1);
  CHECK(b.transport.calls.empty());
  CHECK(emulated.platform().Subscriptions().size() == 1);
  CHECK(b.controller->State().startup_pending == 0);  // its holder's pass, not a stuck one
  CHECK_FALSE(b.controller->RenewableLookup()("acme", "orders"));
  CHECK(a.controller->RenewableLookup()("acme", "orders"));

  // A stalls (no claims maintained, nothing sent) past the TTL and a poll.
  clock.Advance(32s);
  CHECK(a.controller->claims()->Admit("acme", 1s).code() == StatusCode::kUnavailable);
  b.controller->MaintainClaims();
  REQUIRE(b.controller->claims()->Holds("acme"));
  CHECK(b.controller->claims()->Epoch("acme") == 2);
  CHECK(b.controller->Housekeeps());
  CHECK_FALSE(a.controller->Housekeeps());
  b.controller->Tick(clock.Now(), 8);
  CHECK(b.controller->State().last_reconcile.find("(claimed) account acme") != std::string::npos);
  // It listed, found A's subscription and kept it: no second create, and no login either,
  // since it read the token A left in the store.
  CHECK(b.transport.Count("GET /restapi/v1.0/subscription") == 1);
  CHECK(b.transport.Count("POST /restapi/v1.0/subscription") == 0);
  CHECK(b.transport.Count("POST /restapi/oauth/token") == 0);
  CHECK(emulated.platform().Subscriptions().size() == 1);

  // A resumes: it learns it lost the account and sends nothing for it.
  a.transport.calls.clear();
  a.controller->MaintainClaims();
  CHECK(a.controller->claims()->counters().lost == 1);
  clock.Advance(Seconds(2 * SharedConfig(db).renewal.reconcile_interval_s));
  a.controller->Tick(clock.Now(), 8);
  a.controller->scheduler().Tick();
  CHECK(a.transport.calls.empty());
}

TEST_CASE("A reminder that reaches the keeper without the claim is handed to the holder",
          "[app][claims]") {
  TwoKeepers keepers;
  ManualClock& clock = keepers.clock;
  Replica& a = *keepers.a;
  Replica& b = *keepers.b;
  a.controller->Tick(clock.Now(), 8);
  auto created = a.controller->store().GetSubscription("acme", "orders");
  REQUIRE(created.ok());
  REQUIRE(created->has_value());
  const store::SubscriptionRecord record = **created;
  REQUIRE(record.reminder.has_value());

  // The reminder window opens, before the fallback timer is due. A's claim lapsed over the
  // jump: A takes it again before B looks.
  clock.Set(record.expires_at - Seconds(record.reminder->threshold_s));
  a.controller->MaintainClaims();
  b.controller->MaintainClaims();
  REQUIRE(a.controller->claims()->Holds("acme"));
  REQUIRE_FALSE(b.controller->claims()->Holds("acme"));
  REQUIRE(record.next_renewal_at > clock.Now());

  // The load balancer gave the reminder to B: B marks the record due, sends nothing.
  b.transport.calls.clear();
  b.controller->scheduler().OnReminder("acme", "orders", record.remote_id);
  b.controller->scheduler().Tick();
  CHECK(b.transport.calls.empty());
  auto marked = b.controller->store().GetSubscription("acme", "orders");
  REQUIRE(marked.ok());
  CHECK((*marked)->next_renewal_at <= clock.Now());
  CHECK((*marked)->last_reminder_at == clock.Now());

  // A's next look at the schedule renews it.
  a.transport.calls.clear();
  a.controller->scheduler().Tick();
  const int renewals = a.transport.Count("POST /restapi/v1.0/subscription/") +
                       a.transport.Count("PUT /restapi/v1.0/subscription/");
  CHECK(renewals == 1);
  auto renewed = a.controller->store().GetSubscription("acme", "orders");
  REQUIRE(renewed.ok());
  CHECK((*renewed)->expires_at > record.expires_at);
}

TEST_CASE("A replica id from the environment names the keeper; a bad one is refused",
          "[app][claims]") {
  unsetenv("SUBKEEPER_REPLICA_ID");
  const auto plain = HostLeaseOwner();
  REQUIRE(plain.ok());
  CHECK(plain->starts_with("subkeeper"));
  CHECK(plain->find('/') == std::string::npos);
  CHECK(PlatformUserAgent().find("replica/") == std::string::npos);

  setenv("SUBKEEPER_REPLICA_ID", "replica-2.a_b", 1);
  const auto named = HostLeaseOwner();
  REQUIRE(named.ok());
  CHECK(*named == *plain + "/replica-2.a_b");
  CHECK(PlatformUserAgent().ends_with(" replica/replica-2.a_b"));

  for (const std::string& bad :
       {std::string(""), std::string("two words"), std::string("a/b"), std::string("line\nbreak"),
        std::string(65, 'x'), std::string("caf\xc3\xa9")}) {
    INFO("SUBKEEPER_REPLICA_ID=" << bad);
    setenv("SUBKEEPER_REPLICA_ID", bad.c_str(), 1);
    const auto refused = HostLeaseOwner();
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("SUBKEEPER_REPLICA_ID") != std::string::npos);
    CHECK(PlatformUserAgent().find("replica/") == std::string::npos);  // never sent
  }
  unsetenv("SUBKEEPER_REPLICA_ID");
}

}  // namespace
}  // namespace subkeeper::app
