#include "subkeeper/app/metrics.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

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
  sms.status = "Active";
  sms.expires_at = kNow + Seconds(600);
  state.subscriptions.push_back(sms);
  platform::AccountStatus account;
  account.account = "main";
  account.state = "ready";
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
  state.accounts[0].state = "auth_failed";
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
  pending.status.clear();
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
