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

TEST_CASE("Scrape-time gauges come from the records and the account state", "[app][metrics]") {
  Metrics m;
  m.SeedLastEvents({{"main", "sms", kNow - Seconds(300)}});
  m.EventAccepted("main", "sms", kNow - Seconds(45));  // newer than the seed
  const std::string text = "\n" + m.Render(State());
  INFO(text);
  CHECK(Sample(text, R"(subkeeper_subscription_expiry_seconds{account="main",name="sms"})") == 600);
  CHECK(
      Sample(text, R"(subkeeper_subscription_last_event_age_seconds{account="main",name="sms"})") ==
      45);
  CHECK(Sample(text,
               R"(subkeeper_subscription_condition{account="main",name="sms",type="Ready"})") == 1);
  CHECK(
      Sample(text,
             R"(subkeeper_subscription_condition{account="main",name="sms",type="AuthFailed"})") ==
      0);
  CHECK(Sample(text, R"(subkeeper_events_pending{account="main",name="sms"})") == 2);
  CHECK(Sample(text, R"(subkeeper_events_dead{account="main",name="sms"})") == 1);
  CHECK(Sample(text, R"(subkeeper_platform_budget_remaining{account="main",group="Light"})") == 47);
  CHECK(Sample(text, R"(subkeeper_platform_blocked{account="main",group="Light"})") == 1);
}

TEST_CASE("The exposition parses and lints clean with promtool", "[app][metrics]") {
  Metrics m;
  m.History("renewed", "manual", "");
  m.PlatformCall("Light", 200);
  m.WebhookAnswered(true, std::chrono::microseconds(300));
  const std::string text = m.Render(State());
  for (const char* family :
       {"subkeeper_renewals_total", "subkeeper_recreations_total",
        "subkeeper_renewal_failures_total", "subkeeper_platform_calls_total",
        "subkeeper_platform_budget_remaining", "subkeeper_events_accepted_total",
        "subkeeper_events_relayed_total", "subkeeper_events_pending",
        "subkeeper_events_dead_lettered_total", "subkeeper_webhook_handshake_seconds",
        "subkeeper_webhook_ack_seconds", "subkeeper_subscription_expiry_seconds",
        "subkeeper_subscription_last_event_age_seconds"}) {
    INFO(family);
    CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
  }
  CHECK(PromtoolCheck(text).empty());
  // The check itself rejects broken input: it is not a rubber stamp.
  CHECK_FALSE(PromtoolCheck(text + "subkeeper_broken{label=\"x\" 1\n").empty());
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
