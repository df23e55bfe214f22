// Scenarios of a healthy subscription's life: created with its reminder filter, renewed by the
// reminder, and renewed by the fallback timer when reminders never come.
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

const char kPresencePattern[] = R"(/restapi/v1\.0/account/\d+/extension/\d+/presence)";

std::string RenewPath(const std::string& id) {
  return "/restapi/v1.0/subscription/" + id + "/renew";
}

int CountKind(const std::vector<json>& deliveries, const std::string& kind) {
  return static_cast<int>(std::count_if(deliveries.begin(), deliveries.end(), [&](const json& d) {
    return d.value("kind", "") == kind;
  }));
}

}  // namespace

TEST_CASE("a subscription is created with the reminder filter and a verification token",
          "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());

  auto record = s.EmulatorRecord(id);
  REQUIRE(record.has_value());
  INFO("emulator record: " << record->dump());
  CHECK((*record)["status"] == "Active");
  CHECK((*record)["verificationTokenSet"] == true);
  CHECK(s.address() == s.public_url() + "/webhooks/main/sms");
  CHECK((*record)["deliveryMode"]["address"] == s.address());
  const auto filters = (*record)["eventFilters"].get<std::vector<std::string>>();
  CHECK(filters.size() == 2);
  CHECK(std::count(filters.begin(), filters.end(),
                   "/restapi/v1.0/subscription/~?threshold=6&interval=2") == 1);
  CHECK(std::count_if(filters.begin(), filters.end(), [](const std::string& f) {
          return std::regex_match(f, std::regex(kPresencePattern));
        }) == 1);

  const auto deliveries = s.Deliveries();
  INFO("deliveries: " << json(deliveries).dump());
  CHECK(CountKind(deliveries, "validation") >= 1);
  for (const auto& d : deliveries) {
    if (d.value("kind", "") == "validation") CHECK(d.value("status", 0) == 200);
  }

  CHECK(WaitFor([&] { return s.AdminGet("/readyz").status == 200; }, 10s));
  auto view = s.View();
  REQUIRE(view.has_value());
  INFO("keeper view: " << view->dump());
  CHECK((*view)["remote_id"] == id);
  CHECK((*view)["address"] == s.address());
  CHECK((*view)["reminder_filter"] == s.reminder_filter());
  auto ready = s.Condition("Ready");
  REQUIRE(ready.has_value());
  CHECK((*ready)["status"] == "True");
}

TEST_CASE("a subscription is renewed when the reminder arrives", "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  auto created = s.EmulatorRecord(id);
  REQUIRE(created.has_value());
  const std::string first_expiry = (*created)["expirationTime"].get<std::string>();

  // ISO 8601 timestamps of one format order as strings.
  std::string expiry;
  const bool renewed = WaitFor(
      [&] {
        auto view = s.View();
        auto record = s.EmulatorRecord(id);
        if (!view || !record) return false;
        expiry = (*record)["expirationTime"].get<std::string>();
        return (*view)["last_renewal"]["trigger"] == "reminder" && expiry > first_expiry;
      },
      30s, 200ms);
  INFO("keeper view: " << s.View().value_or(json()).dump() << "\nfirst expiry " << first_expiry
                       << ", now " << expiry);
  REQUIRE(renewed);

  CHECK(s.CountCalls("POST", RenewPath(id)) >= 1);
  CHECK(CountKind(s.Deliveries(), "reminder") >= 1);
  const auto records = s.EmulatorRecords();
  REQUIRE(records.size() == 1);
  CHECK(records[0]["id"] == id);
  CHECK(records[0]["status"] == "Active");
}

TEST_CASE("a subscription is renewed by the timer when no reminder comes", "[integration]") {
  ScenarioOptions options;
  options.start_keeper = false;
  Scenario s(options);
  auto settings = s.EmulatorPost("/_emulator/settings", {{"remindersEnabled", false}});
  REQUIRE(settings.status == 200);
  REQUIRE(settings.Json().value("remindersEnabled", true) == false);
  s.StartKeeper();

  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const auto created = std::chrono::steady_clock::now();
  const auto two_lifetimes = std::chrono::seconds(2 * s.options().expires_in_s);

  // The same id must exist at every poll: an expiry would purge it and force a new one.
  bool lost = false;
  const bool survived = WaitFor(
      [&] {
        if (!s.EmulatorRecord(id)) {
          lost = true;
          return true;
        }
        return std::chrono::steady_clock::now() - created >= two_lifetimes &&
               s.CountCalls("POST", RenewPath(id), 200) >= 2;
      },
      two_lifetimes + 20s, 250ms);
  REQUIRE_FALSE(lost);
  REQUIRE(survived);

  auto view = s.View();
  REQUIRE(view.has_value());
  INFO("keeper view: " << view->dump());
  CHECK((*view)["remote_id"] == id);
  CHECK((*view)["status"] == "Active");
  CHECK((*view)["last_renewal"]["trigger"] == "timer");
  auto broken = s.Condition("ReminderPathBroken");
  REQUIRE(broken.has_value());
  CHECK((*broken)["status"] == "True");
  CHECK(s.RecordsForAddress().size() == 1);
  CHECK(CountKind(s.Deliveries(), "reminder") == 0);
  CHECK_FALSE(s.HistoryHas("expired"));
  CHECK_FALSE(s.HistoryHas("recreated"));
}

}  // namespace subkeeper::testing

namespace subkeeper::testing {

TEST_CASE("with TLS configured the platform reaches the keeper over https", "[integration]") {
  ScenarioOptions options;
  options.tls = true;
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  CHECK(s.public_url().starts_with("https://127.0.0.1:"));
  auto record = s.EmulatorRecord(id);
  REQUIRE(record.has_value());
  CHECK((*record)["deliveryMode"]["address"] == s.public_url() + "/webhooks/main/sms");
  // The handshake went over TLS (the emulator verified the certificate), then a reminder and an
  // event: the subscription is renewed by its reminder and the event is stored.
  REQUIRE(WaitFor(
      [&] {
        auto view = s.View();
        return view && (*view)["last_renewal"]["trigger"] == "reminder";
      },
      20s));
  const auto reply =
      s.EmulatorPost("/_emulator/subscriptions/" + s.View()->value("remote_id", "") + "/notify",
                     {{"uuid", "tls-event-1"}, {"body", {{"n", 1}}}});
  CHECK(reply.Json().value("status", 0) == 200);
  bool stored = false;
  for (const auto& e : s.Events()) stored = stored || e.uuid == "tls-event-1";
  CHECK(stored);
  const auto deliveries = s.Deliveries();
  INFO(json(deliveries).dump());
  CHECK(CountKind(deliveries, "validation") >= 1);
  for (const auto& d : deliveries) CHECK(d.value("status", 0) == 200);
}

}  // namespace subkeeper::testing
