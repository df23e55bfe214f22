#include "subkeeper/app/metrics.h"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "subkeeper/config/config.h"
#include "subkeeper/renewal/conditions.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/forwarding_store.h"

namespace subkeeper::app {
namespace {

const WallTime kNow = FromUnixMillis(1'700'000'000'000);

// The value of the sample line starting with `series` ("name{labels}"), or -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + needle.size()));
}

// promtool's verdict on `text`: "" when it parses and lints clean, else what it printed.
std::string PromtoolCheck(const std::string& text) {
  char path[] = "/tmp/subkeeper-metrics-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  const std::string command =
      std::string("promtool check metrics < ") + path + " > " + path + ".out 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(std::string(path) + ".out");
  std::stringstream output_text;
  output_text << in.rdbuf();
  const std::string output = output_text.str();
  std::remove(path);
  std::remove((std::string(path) + ".out").c_str());
  return status == 0 ? "" : "exit " + std::to_string(status) + ": " + output;
}

ScrapeState State() {
  ScrapeState state;
  state.now = kNow;
  state.steady_now = SteadyTime{} + std::chrono::hours(1);
  store::SubscriptionRecord sms;
  sms.account = "main";
  sms.name = "sms";
  sms.remote_id = "sub-1";
  sms.status = subkeeper::platform::RemoteStatus::Of("Active");
  sms.expires_at = kNow + Seconds(600);
  state.subscriptions.push_back(sms);
  platform::AccountStatus account;
  account.account = "main";
  account.state = platform::CredentialState::kReady;
  state.accounts.push_back(account);
  platform::RateLimitSnapshot light;
  light.account = "main";
  light.group = platform::RateGroup::kLight;
  light.limit = 50;
  light.remaining = 47;
  light.blocked_until = state.steady_now + Seconds(30);
  state.limits.push_back(light);
  store::RelayBacklog backlog;
  backlog.account = "main";
  backlog.name = "sms";
  backlog.pending = 2;
  backlog.dead = 1;
  state.backlogs.push_back(backlog);
  return state;
}

TEST_CASE("Counters move with what the modules report", "[app][metrics]") {
  Metrics m;
  m.History("renewed", "reminder", "");
  m.History("renewed", "reminder", "");
  m.History("renewed", "timer", "");
  m.History("recreated", "", "the platform no longer had sub-1");
  m.History("failed", "", "unavailable: CMN-211 (HTTP 503): Service Unavailable");
  m.History("created", "", "");  // counted nowhere
  m.PlatformCall("Medium", 200);
  m.PlatformCall("Medium", 429);
  m.PlatformCall("Auth", 0);
  m.EventAccepted("main", "sms", kNow - Seconds(90));
  m.EventRelayed();
  m.EventDeadLettered();
  m.WebhookAnswered(true, std::chrono::microseconds(700));
  m.WebhookAnswered(false, std::chrono::milliseconds(30));
  const std::string text = "\n" + m.Render(State());
  INFO(text);
  CHECK(Sample(text, R"(subkeeper_renewals_total{trigger="reminder"})") == 2);
  CHECK(Sample(text, R"(subkeeper_renewals_total{trigger="timer"})") == 1);
  CHECK(Sample(text, R"(subkeeper_recreations_total{reason="purged"})") == 1);
  CHECK(Sample(text, R"(subkeeper_renewal_failures_total{code="unavailable"})") == 1);
  CHECK(Sample(text, R"(subkeeper_platform_calls_total{group="Medium",status="429"})") == 1);
  CHECK(Sample(text, R"(subkeeper_platform_calls_total{group="Auth",status="0"})") == 1);
  CHECK(Sample(text, "subkeeper_events_accepted_total") == 1);
  CHECK(Sample(text, "subkeeper_events_relayed_total") == 1);
  CHECK(Sample(text, "subkeeper_events_dead_lettered_total") == 1);
  CHECK(Sample(text, "subkeeper_webhook_handshake_seconds_count") == 1);
  CHECK(Sample(text, R"(subkeeper_webhook_handshake_seconds_bucket{le="0.001"})") == 1);
  CHECK(Sample(text, R"(subkeeper_webhook_handshake_seconds_bucket{le="0.0005"})") == 0);
  CHECK(Sample(text, R"(subkeeper_webhook_ack_seconds_bucket{le="0.05"})") == 1);
  CHECK(Sample(text, R"(subkeeper_webhook_ack_seconds_bucket{le="0.025"})") == 0);
}

TEST_CASE("Per-subscription series are points in time, not ages", "[app][metrics]") {
  Metrics m;
  m.SeedLastEvents({{"main", "sms", kNow - Seconds(300)}});
  m.EventAccepted("main", "sms", kNow - Seconds(45));  // newer than the seed
  const std::string text = "\n" + m.Render(State());
  INFO(text);
  const double now_s = 1'700'000'000;
  CHECK(Sample(text,
               R"(subkeeper_subscription_expires_timestamp_seconds{account="main",name="sms"})") ==
        now_s + 600);
  CHECK(
      Sample(text,
             R"(subkeeper_subscription_last_event_timestamp_seconds{account="main",name="sms"})") ==
      now_s - 45);
  CHECK(Sample(text, R"(subkeeper_subscription_ready{account="main",name="sms"})") == 1);
  // Conditions other than Ready appear only while they hold.
  CHECK(
      Sample(text,
             R"(subkeeper_subscription_condition{account="main",name="sms",type="AuthFailed"})") ==
      -1);
  CHECK(Sample(text, R"(subkeeper_subscription_events_pending{account="main",name="sms"})") == 2);
  CHECK(Sample(text, R"(subkeeper_subscription_events_dead{account="main",name="sms"})") == 1);
  CHECK(Sample(text, R"(subkeeper_platform_budget_remaining{account="main",group="Light"})") == 47);
  CHECK(Sample(text, R"(subkeeper_platform_blocked{account="main",group="Light"})") == 1);
  // The old ages are gone.
  CHECK(text.find("subkeeper_subscription_expiry_seconds") == std::string::npos);
  CHECK(text.find("last_event_age_seconds") == std::string::npos);
}

TEST_CASE("A condition that holds shows per subscription and in the counts", "[app][metrics]") {
  Metrics m;
  ScrapeState state = State();
  state.subscriptions[0].failures = 2;
  state.subscriptions[0].last_error = "unavailable: HTTP 503";
  state.accounts[0].state = platform::CredentialState::kAuthFailed;
  const std::string text = "\n" + m.Render(state);
  INFO(text);
  CHECK(Sample(text,
               R"(subkeeper_subscription_condition{account="main",name="sms",type="Renewing"})") ==
        1);
  CHECK(
      Sample(text,
             R"(subkeeper_subscription_condition{account="main",name="sms",type="AuthFailed"})") ==
      1);
  CHECK(Sample(text, R"(subkeeper_subscriptions_condition{type="Renewing"})") == 1);
  CHECK(Sample(text, R"(subkeeper_subscriptions_condition{type="AuthFailed"})") == 1);
  CHECK(Sample(text, R"(subkeeper_subscriptions_condition{type="Blacklisted"})") == 0);
  CHECK(Sample(text, R"(subkeeper_accounts{state="auth_failed"})") == 1);
  CHECK(Sample(text, R"(subkeeper_accounts{state="ready"})") == 0);
}

TEST_CASE("Aggregates are exported with and without per-subscription series", "[app][metrics]") {
  Metrics m;
  m.EventAccepted("main", "sms", kNow - Seconds(45));
  ScrapeState state = State();
  store::SubscriptionRecord later = state.subscriptions[0];
  later.name = "later";
  later.expires_at = kNow + Seconds(9000);
  state.subscriptions.push_back(later);
  store::SubscriptionRecord pending = state.subscriptions[0];
  pending.name = "pending";
  pending.remote_id.clear();
  pending.status = {};
  pending.expires_at = WallTime{};
  state.subscriptions.push_back(pending);
  for (bool per_subscription : {true, false}) {
    state.per_subscription = per_subscription;
    const std::string text = "\n" + m.Render(state);
    INFO(per_subscription << text);
    CHECK(Sample(text, "subkeeper_metrics_per_subscription") == (per_subscription ? 1 : 0));
    CHECK(Sample(text, "subkeeper_subscriptions") == 3);
    CHECK(Sample(text, R"(subkeeper_subscriptions_condition{type="Ready"})") == 2);
    CHECK(Sample(text, "subkeeper_subscriptions_earliest_expiry_timestamp_seconds") ==
          1'700'000'600);
    CHECK(Sample(text, "subkeeper_events_pending") == 2);
    CHECK(Sample(text, "subkeeper_events_dead") == 1);
    CHECK(Sample(text, R"(subkeeper_accounts{state="ready"})") == 1);
    CHECK(Sample(text, R"(subkeeper_platform_blocked_accounts{group="Light"})") == 1);
    CHECK(Sample(text, R"(subkeeper_platform_blocked_accounts{group="Heavy"})") == 0);
    CHECK(Sample(text, R"(subkeeper_build_info{version=")" SUBKEEPER_VERSION R"("})") == 1);
    const bool has_per_subscription = text.find("account=\"main\"") != std::string::npos;
    CHECK(has_per_subscription == per_subscription);
    CHECK(PromtoolCheck(text.substr(1)).empty());
  }
}

TEST_CASE("per_subscription auto switches the series off above 1000 subscriptions",
          "[app][metrics]") {
  CHECK(PerSubscriptionSeries("auto", 0));
  CHECK(PerSubscriptionSeries("auto", 1000));
  CHECK_FALSE(PerSubscriptionSeries("auto", 1001));
  CHECK(PerSubscriptionSeries("always", 100000));
  CHECK_FALSE(PerSubscriptionSeries("never", 1));
}

// A store of mixed states: every condition holds for some record, one account's credential is
// rejected, one record is not configured.
std::unique_ptr<store::Store> MixedStore(const Clock& clock) {
  auto opened = store::OpenSqliteStore(":memory:", clock);
  REQUIRE(opened.ok());
  std::unique_ptr<store::Store> s = std::move(opened).value();
  auto put = [&](const char* account, const char* name, auto&& edit) {
    store::SubscriptionRecord r;
    r.account = account;
    r.name = name;
    r.remote_id = std::string("sub-") + name;
    r.status = subkeeper::platform::RemoteStatus::Of("Active");
    r.expires_at = kNow + Seconds(600);
    edit(r);
    REQUIRE(s->PutSubscription(r, std::nullopt).ok());
  };
  put("main", "a", [](auto&) {});
  put("main", "b", [](auto& r) { r.expires_at = kNow - Seconds(5); });
  put("main", "c", [](auto& r) {
    r.remote_id.clear();
    r.status = {};
    r.expires_at = WallTime{};
    r.failures = 2;
    r.last_error = "unavailable: HTTP 503";
  });
  put("main", "d", [](auto& r) {
    r.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
    r.blacklisted_reason = "Webhook responses are too slow";
    r.expires_at = kNow + Seconds(100);
    r.disabled_filters = {"/restapi/v1.0/account/~/presence"};
  });
  put("main", "e", [](auto& r) {
    r.reminder = subscription::ReminderSpec{60, 15};
    r.reminder_path_broken = true;
    r.expires_at = kNow + Seconds(300);
  });
  put("main", "i", [](auto& r) { r.expires_at = WallTime{}; });  // not live
  put("other", "f", [](auto& r) {
    r.failures = 1;
    r.last_error = "deadline_exceeded: x";
    r.expires_at = kNow + Seconds(50);
  });
  put("other", "ignored", [](auto& r) { r.expires_at = kNow + Seconds(1); });  // not configured
  put("z-locked", "g", [](auto& r) { r.expires_at = kNow + Seconds(900); });
  put("z-locked", "h", [](auto& r) {
    r.reminder = subscription::ReminderSpec{60, 15};
    r.disabled_filters = {"/restapi/v1.0/account/~/telephony/sessions", "/x"};
  });
  return s;
}

bool Configured(std::string_view, std::string_view name) { return name != "ignored"; }

std::vector<platform::AccountStatus> MixedAccounts() {
  std::vector<platform::AccountStatus> accounts(3);
  accounts[0].account = "main";
  accounts[0].state = platform::CredentialState::kReady;
  accounts[1].account = "other";
  accounts[1].state = platform::CredentialState::kReady;
  accounts[2].account = "z-locked";
  accounts[2].state = platform::CredentialState::kAuthFailed;
  return accounts;
}

// Walks with the default Store::VisitSubscriptionStates, as a fake store does.
class DefaultWalkStore : public testing::ForwardingSubscriptionStore {
 public:
  using ForwardingSubscriptionStore::ForwardingSubscriptionStore;
  Status VisitSubscriptionStates(const store::SubscriptionStateVisitor& visit,
                                 int chunk_rows) override {
    return SubscriptionStore::VisitSubscriptionStates(visit, chunk_rows);
  }
};

TEST_CASE("Streamed aggregates and series equal those computed from whole records",
          "[app][metrics]") {
  ManualClock clock(kNow);
  auto store = MixedStore(clock);
  Metrics m;
  m.EventAccepted("main", "a", kNow - Seconds(45));
  m.EventAccepted("z-locked", "h", kNow - Seconds(7));
  // What the scrape computed before it streamed: every configured record read whole, each one's
  // conditions from DeriveConditions.
  auto records = store->ListSubscriptions();
  REQUIRE(records.ok());
  std::erase_if(*records, [](const auto& r) { return !Configured(r.account, r.name); });
  REQUIRE(records->size() == 9);
  const auto accounts = MixedAccounts();
  std::array<double, renewal::kConditionCount> holding{};
  for (const auto& r : *records) {
    const platform::AccountStatus* account = nullptr;
    for (const auto& a : accounts) {
      if (a.account == r.account) account = &a;
    }
    const auto conditions = renewal::DeriveConditions(r, kNow, account);
    for (size_t i = 0; i < conditions.size(); ++i) holding[i] += conditions[i].status ? 1 : 0;
  }
  // Each condition holds for some record and not for all: the comparison below means something.
  for (double n : holding) CHECK((n > 0 && n < 9));

  DefaultWalkStore fake(*store);
  for (const char* mode : {"always", "never"}) {
    ScrapeState whole;
    whole.now = kNow;
    whole.accounts = accounts;
    whole.subscriptions = *records;
    whole.per_subscription = PerSubscriptionSeries(mode, records->size());
    const std::string expected = "\n" + m.Render(whole);
    for (int chunk : {1, 3, 9, 10, store::kSubscriptionStateChunkRows}) {
      for (store::SubscriptionStore* from : {static_cast<store::SubscriptionStore*>(store.get()),
                                             static_cast<store::SubscriptionStore*>(&fake)}) {
        ScrapeState streamed;
        streamed.now = kNow;
        streamed.accounts = accounts;
        GatherFromStore(*from, *store, Configured, mode, streamed, chunk);
        REQUIRE(streamed.summary.has_value());
        CHECK(streamed.per_subscription == whole.per_subscription);
        const std::string text = "\n" + m.Render(streamed);
        INFO(mode << " chunk " << chunk << (from == &fake ? " default walk" : "") << text);
        CHECK(text == expected);
        CHECK(Sample(text, "subkeeper_subscriptions") == 9);
        const char* types[] = {"Ready",      "Renewing",           "Blacklisted",
                               "AuthFailed", "ReminderPathBroken", "FiltersDisabled"};
        for (size_t i = 0; i < holding.size(); ++i) {
          CHECK(Sample(text, std::string("subkeeper_subscriptions_condition{type=\"") + types[i] +
                                 "\"}") == holding[i]);
        }
        // main/b's, expired but live: an expiry in the past is what alerts look for.
        CHECK(Sample(text, "subkeeper_subscriptions_earliest_expiry_timestamp_seconds") ==
              1'699'999'995);
        CHECK(text.find("name=\"ignored\"") == std::string::npos);
        CHECK((text.find("account=\"z-locked\"") != std::string::npos) ==
              (std::string(mode) == "always"));
      }
    }
    CHECK(PromtoolCheck(expected.substr(1)).empty());
  }
}

TEST_CASE("Streaming keeps per-subscription rows only up to the auto limit", "[app][metrics]") {
  ManualClock clock(kNow);
  auto opened = store::OpenSqliteStore(":memory:", clock);
  REQUIRE(opened.ok());
  store::Store& s = **opened;
  for (size_t i = 0; i <= config::kPerSubscriptionAutoLimit; ++i) {
    store::SubscriptionRecord r;
    r.account = "main";
    r.name = "sub-" + std::to_string(i);
    REQUIRE(s.PutSubscription(r, std::nullopt).ok());
  }
  Metrics m;
  const auto all = [](std::string_view, std::string_view) { return true; };
  ScrapeState over;
  over.now = kNow;
  GatherFromStore(s, s, all, "auto", over, 7);
  CHECK(over.summary->subscriptions == config::kPerSubscriptionAutoLimit + 1);
  CHECK_FALSE(over.per_subscription);
  CHECK(over.summary->rows.empty());
  CHECK(m.Render(over).find("account=\"main\"") == std::string::npos);

  REQUIRE(s.DeleteSubscription("main", "sub-0", std::nullopt).ok());
  ScrapeState at;
  at.now = kNow;
  GatherFromStore(s, s, all, "auto", at, 7);
  CHECK(at.per_subscription);
  CHECK(at.summary->rows.size() == config::kPerSubscriptionAutoLimit);
  ScrapeState never;
  never.now = kNow;
  GatherFromStore(s, s, all, "never", never, 7);
  CHECK_FALSE(never.per_subscription);
  CHECK(never.summary->rows.empty());
  CHECK(never.summary->subscriptions == config::kPerSubscriptionAutoLimit);
}

// A walk that fails after its first chunk.
class FailingWalkStore : public testing::ForwardingSubscriptionStore {
 public:
  using ForwardingSubscriptionStore::ForwardingSubscriptionStore;
  Status VisitSubscriptionStates(const store::SubscriptionStateVisitor& visit,
                                 int chunk_rows) override {
    bool first = true;
    (void)inner_.VisitSubscriptionStates(
        [&](const store::SubscriptionStateView& s) {
          if (first) visit(s);
          first = false;
        },
        chunk_rows);
    return Status::Unavailable("store: database is locked");
  }
};

TEST_CASE("A failed walk leaves the subscriptions' part of a scrape empty", "[app][metrics]") {
  ManualClock clock(kNow);
  auto store = MixedStore(clock);
  FailingWalkStore failing(*store);
  ScrapeState state;
  state.now = kNow;
  GatherFromStore(failing, *store, Configured, "always", state);
  REQUIRE(state.summary.has_value());
  CHECK(state.summary->subscriptions == 0);
  const std::string text = "\n" + Metrics().Render(state);
  CHECK(Sample(text, "subkeeper_subscriptions") == 0);
  CHECK(Sample(text, "subkeeper_subscriptions_earliest_expiry_timestamp_seconds") == -1);
}

TEST_CASE("Process metrics use the standard names", "[app][metrics]") {
  Metrics m;
  ScrapeState state = State();
  state.process.cpu_seconds = 12.5;
  state.process.resident_bytes = 1 << 20;
  state.process.virtual_bytes = 1 << 24;
  state.process.open_fds = 9;
  state.process.max_fds = 1024;
  state.process.start_time_seconds = 1'699'999'000;
  const std::string text = "\n" + m.Render(state);
  INFO(text);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  CHECK(Sample(text, "process_cpu_seconds_total") == 12.5);
  CHECK(Sample(text, "process_resident_memory_bytes") == 1 << 20);
  CHECK(Sample(text, "process_virtual_memory_bytes") == 1 << 24);
  CHECK(Sample(text, "process_open_fds") == 9);
  CHECK(Sample(text, "process_max_fds") == 1024);
  CHECK(Sample(text, "process_start_time_seconds") == 1'699'999'000);
  // Unknown values are left out, not written as -1.
  state.process.max_fds = -1;
  CHECK(m.Render(state).find("process_max_fds") == std::string::npos);
}

TEST_CASE("Recreation reasons and failure codes map to bounded labels", "[app][metrics]") {
  CHECK(RecreationReason("the platform no longer had sub-9") == "purged");
  CHECK(RecreationReason("status Blacklisted") == "not_active");
  CHECK(RecreationReason("delivery address changed") == "address_changed");
  CHECK(RecreationReason("webhook_secret rotated") == "secret_rotated");
  CHECK(RecreationReason("something new") == "other");
  CHECK(FailureCode("deadline_exceeded: POST /restapi/v1.0/subscription: timed out") ==
        "deadline_exceeded");
  CHECK(FailureCode("HTTP 503 from somewhere: x") == "other");
  CHECK(FailureCode("no colon") == "other");
}

}  // namespace
}  // namespace subkeeper::app
