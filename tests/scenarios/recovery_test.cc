// Scenarios where the subscription is lost or damaged: purged by the platform, blacklisted, or
// the keeper killed mid-life. In each, exactly one Active subscription must remain for the
// address.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <thread>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

const std::string kSubscriptionPath = "/restapi/v1.0/subscription";

// Platform calls about subscription `id` (its own path and sub-paths) answered with `status`.
int CallsAboutId(Scenario& s, const std::string& id, int status) {
  const std::string prefix = kSubscriptionPath + "/" + id;
  int n = 0;
  for (const auto& call : s.Calls()) {
    if (call.value("path", "").rfind(prefix, 0) == 0 && call.value("status", 0) == status) ++n;
  }
  return n;
}

// The single emulator record for the address, which must be `id` and Active.
void RequireOnlyActive(Scenario& s, const std::string& id) {
  const auto records = s.RecordsForAddress();
  INFO("records for " << s.address() << ": " << json(records).dump());
  REQUIRE(records.size() == 1);
  CHECK(records[0]["id"] == id);
  CHECK(records[0]["status"] == "Active");
}

}  // namespace

TEST_CASE("a purged subscription is recreated", "[integration]") {
  Scenario s;
  const std::string old_id = s.WaitForActive(20s);
  REQUIRE_FALSE(old_id.empty());

  const auto purge = s.EmulatorPost("/_emulator/subscriptions/" + old_id + "/purge");
  INFO("purge answer: " << purge.status << " " << purge.body);
  REQUIRE(purge.status / 100 == 2);
  REQUIRE_FALSE(s.EmulatorRecord(old_id).has_value());

  const std::string new_id = s.WaitForActive(30s, old_id);
  REQUIRE_FALSE(new_id.empty());
  CHECK(new_id != old_id);
  RequireOnlyActive(s, new_id);
  // The keeper learnt of the loss from the platform's 404 (CMN-102), not by guessing.
  CHECK(CallsAboutId(s, old_id, 404) >= 1);
  CHECK(s.HistoryHas("recreated"));
}

TEST_CASE("a blacklisted subscription is replaced", "[integration]") {
  Scenario s;
  const std::string old_id = s.WaitForActive(20s);
  REQUIRE_FALSE(old_id.empty());

  const auto blacklist = s.EmulatorPost("/_emulator/subscriptions/" + old_id + "/blacklist",
                                        {{"reason", "scenario: blacklisted by the test"}});
  INFO("blacklist answer: " << blacklist.status << " " << blacklist.body);
  REQUIRE(blacklist.status / 100 == 2);
  auto blacklisted = s.EmulatorRecord(old_id);
  REQUIRE(blacklisted.has_value());
  REQUIRE((*blacklisted)["status"] == "Blacklisted");

  const std::string new_id = s.WaitForActive(30s, old_id);
  REQUIRE_FALSE(new_id.empty());
  CHECK(new_id != old_id);
  // Replaced, not abandoned: the old one was deleted by the keeper (not left to expire).
  CHECK(s.CountCalls("DELETE", kSubscriptionPath + "/" + old_id) >= 1);
  CHECK_FALSE(s.EmulatorRecord(old_id).has_value());
  RequireOnlyActive(s, new_id);
  CHECK(s.HistoryHas("blacklisted"));
  CHECK(s.HistoryHas("recreated"));
}

TEST_CASE("a keeper killed right after create resumes the same subscription", "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  const std::string address = s.address();
  auto record = s.EmulatorRecord(id);
  REQUIRE(record.has_value());
  std::string expiry = (*record)["expirationTime"].get<std::string>();

  s.RestartKeeper();
  REQUIRE(s.address() == address);

  // Every poll: still exactly this one subscription for the address. Count the moves of its
  // expiry (ISO 8601 strings of one format order as times).
  int moves = 0;
  std::string problem;
  const bool renewing = WaitFor(
      [&] {
        const auto records = s.RecordsForAddress();
        if (records.size() != 1 || records[0]["id"] != id) {
          problem = "records for the address: " + json(records).dump();
          return true;
        }
        const auto now_expiry = records[0]["expirationTime"].get<std::string>();
        if (now_expiry > expiry) {
          ++moves;
          expiry = now_expiry;
        }
        return moves >= 2;
      },
      45s, 200ms);
  INFO(problem);
  REQUIRE(problem.empty());
  INFO("expiry moves after restart: " << moves);
  REQUIRE(renewing);
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  auto view = s.View();
  REQUIRE(view.has_value());
  CHECK((*view)["remote_id"] == id);
  CHECK((*view)["status"] == "Active");
}

}  // namespace subkeeper::testing

namespace subkeeper::testing {
namespace {

TEST_CASE("after a restart notifications are accepted before the platform answers",
          "[integration]") {
  Scenario s;
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  s.KillKeeper();
  // The restarted keeper must log in again (its stored tokens are dropped here, as after a
  // credential change); the platform takes 4 s to answer that, so the start-up reconcile (and
  // its list call) is still waiting while the notification arrives.
  {
    SQLite::Database db(s.db_path(), SQLite::OPEN_READWRITE);
    REQUIRE(db.exec("DELETE FROM accounts") == 1);
  }
  REQUIRE(s.EmulatorPost("/_emulator/faults", {{"kind", "latency"},
                                               {"latencyMs", 4000},
                                               {"count", 1},
                                               {"pathPrefix", "/restapi/oauth"}})
              .status == 200);
  const int lists_before = s.CountCalls("GET", kSubscriptionPath);
  const std::string uuid = "restart-0001";
  const std::string envelope = json{
      {"uuid", uuid},
      {"event", "/restapi/v1.0/account/1/extension/1/presence"},
      {"timestamp", "2026-11-22T10:00:00.000Z"},
      {"subscriptionId", id},
      {"body", json::object()}}.dump();
  const std::string token = s.verification_token();
  const std::string path = s.webhook_path();
  HttpReply reply;
  int lists_at_answer = -1;
  // The poster, not the keeper, runs on the thread: a child started from a thread that ends
  // would get its parent-death signal.
  std::thread poster([&] {
    WaitFor(
        [&] {
          reply = s.WebhookPost(path, {{"Verification-Token", token}}, envelope);
          return reply.status != 0;
        },
        10s, 20ms);
    lists_at_answer = s.CountCalls("GET", kSubscriptionPath);
  });
  s.StartKeeper();
  poster.join();
  INFO("first answer after restart: " << reply.status << " " << reply.body << reply.error);
  CHECK(reply.status == 200);
  CHECK(lists_at_answer == lists_before);  // answered while the reconcile was still waiting
  const std::string after = s.WaitForActive(20s);
  CHECK(after == id);
}

}  // namespace
}  // namespace subkeeper::testing
