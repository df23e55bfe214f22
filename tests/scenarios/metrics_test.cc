// /metrics of the real keeper: counters and gauges follow a reminder renewal, a notification and
// its relay to the app, and the exposition parses with promtool.
#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include "support/app_sink.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

constexpr char kPath[] = "/app/events";

// The value of the sample `series` ("name{labels}") in `text`, or -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  const std::string needle = "\n" + series + " ";
  const size_t at = ("\n" + text).find(needle);
  if (at == std::string::npos) return -1;
  return std::stod(("\n" + text).substr(at + needle.size()));
}

}  // namespace

TEST_CASE("metrics follow a reminder renewal and a relayed event", "[integration]") {
  AppSink sink;
  ScenarioOptions options;
  options.deliver_to = sink.Url(kPath);
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  // The 12 s subscription is renewed by its reminder within a few seconds.
  std::string text;
  REQUIRE(WaitFor(
      [&] {
        text = s.AdminGet("/metrics").body;
        return Sample(text, R"(subkeeper_renewals_total{trigger="reminder"})") >= 1;
      },
      20s));
  const auto reply =
      s.EmulatorPost("/_emulator/subscriptions/" + s.View()->value("remote_id", "") + "/notify",
                     {{"uuid", "metrics-1"}, {"body", {{"n", 1}}}});
  REQUIRE(reply.Json().value("status", 0) == 200);
  REQUIRE(sink.WaitFor([](const auto& requests) { return !requests.empty(); }, 10s));
  REQUIRE(WaitFor(
      [&] {
        text = s.AdminGet("/metrics").body;
        return Sample(text, "subkeeper_events_relayed_total") >= 1;
      },
      10s));

  const HttpReply metrics = s.AdminGet("/metrics");
  REQUIRE(metrics.status == 200);
  INFO(metrics.body);
  CHECK(metrics.headers.find("Content-Type")->second.find("text/plain; version=0.0.4") == 0);
  text = metrics.body;
  CHECK(Sample(text, "subkeeper_events_accepted_total") >= 1);
  const double now_s = static_cast<double>(std::time(nullptr));
  CHECK(Sample(text,
               R"(subkeeper_subscription_expires_timestamp_seconds{account="main",name="sms"})") >
        now_s - 5);
  const double last_event = Sample(
      text, R"(subkeeper_subscription_last_event_timestamp_seconds{account="main",name="sms"})");
  CHECK(last_event <= now_s + 5);
  CHECK(last_event > now_s - 60);
  CHECK(Sample(text, R"(subkeeper_subscription_ready{account="main",name="sms"})") == 1);
  CHECK(Sample(text, R"(subkeeper_subscriptions_condition{type="Ready"})") == 1);
  CHECK(Sample(text, R"(subkeeper_build_info{version=")" SUBKEEPER_VERSION R"("})") == 1);
  CHECK(Sample(text, "process_resident_memory_bytes") > 0);
  CHECK(Sample(text, "process_open_fds") > 0);
  // The create (Medium), the start-up list and the renewal (Light), the login (Auth).
  CHECK(Sample(text, R"(subkeeper_platform_calls_total{group="Medium",status="200"})") >= 1);
  CHECK(Sample(text, R"(subkeeper_platform_calls_total{group="Light",status="200"})") >= 2);
  CHECK(Sample(text, R"(subkeeper_platform_calls_total{group="Auth",status="200"})") >= 1);
  CHECK(Sample(text, R"(subkeeper_platform_budget_remaining{account="main",group="Medium"})") >= 0);
  CHECK(Sample(text, "subkeeper_webhook_handshake_seconds_count") >= 1);
  CHECK(Sample(text, "subkeeper_webhook_ack_seconds_count") >= 2);  // reminders and the event

  const std::string path = s.dir() + "/metrics.txt";
  std::ofstream(path) << text;
  CHECK(std::system(("promtool check metrics < " + path + " > /dev/null 2>&1").c_str()) == 0);
}

}  // namespace subkeeper::testing
