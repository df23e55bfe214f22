// Two real keepers on one PostgreSQL database and one emulated platform: the claim on the
// account decides which one calls the platform. The second never creates what the first did;
// a renewal asked of the second is handed to the first through the database; when the first is
// killed (SIGKILL) the second takes the account over within the claim's TTL and renews; the first,
// restarted, finds the account held and leaves it alone.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "support/app_sink.h"
#include "support/pg_cluster.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

const std::string kSubscriptionPath = "/restapi/v1.0/subscription";

// The "claim" object of the account in a keeper's /v1/subscriptions (null when absent).
json ClaimOf(const HttpReply& reply) {
  const json body = reply.Json();
  if (!body.is_object()) return nullptr;
  for (const auto& account : body.value("accounts", json::array())) {
    if (account.value("name", "") == "main") return account.value("claim", json());
  }
  return nullptr;
}

// Whether the keeper at `admin_port` shows `holder` as the account's holder.
bool HeldBy(int admin_port, const std::string& holder) {
  const json claim = ClaimOf(Scenario::GetFrom(admin_port, "/v1/subscriptions"));
  return claim.is_object() && claim.value("holder", json()) == holder;
}

// Whether the keeper at `admin_port` holds the account itself.
bool HeldHere(int admin_port) {
  const json claim = ClaimOf(Scenario::GetFrom(admin_port, "/v1/subscriptions"));
  return claim.is_object() && claim.value("this_keeper", false);
}

std::string ReplicaId(const HttpReply& reply) {
  const json body = reply.Json();
  if (!body.is_object() || !body.contains("replica")) return "";
  return body["replica"].value("id", "");
}

int RenewCalls(const std::vector<json>& calls) {
  int renewals = 0;
  for (const auto& call : calls) {
    const std::string path = call.value("path", "");
    const std::string method = call.value("method", "");
    if (!path.starts_with(kSubscriptionPath + "/")) continue;
    if ((method == "POST" && path.ends_with("/renew")) || method == "PUT") ++renewals;
  }
  return renewals;
}

TEST_CASE(
    "Two keepers on one database: one holds the account, the other takes over after a "
    "SIGKILL",
    "[integration][postgres][replicas]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;  // skipped, and said why (never under CI=true)
  ScenarioOptions options;
  options.postgres = conninfo;
  options.claim_ttl_s = 4;  // failover in seconds, not half a minute
  options.expires_in_s = 600;
  Scenario s(options);
  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());

  Scenario::Replica b = s.StartReplica("replica-b");
  const std::string b_log = b.log_path;
  INFO("replica b log: " << b_log);
  const std::string a_id = ReplicaId(s.AdminGet("/v1/subscriptions"));
  const std::string b_id = ReplicaId(Scenario::GetFrom(b.admin_port, "/v1/subscriptions"));
  REQUIRE_FALSE(a_id.empty());
  CHECK(b_id.ends_with("/replica-b"));
  CHECK(a_id != b_id);

  // B sees A as the holder and does nothing for the account: one create in all.
  REQUIRE(WaitFor([&] { return HeldBy(b.admin_port, a_id); }, 20s, 100ms));
  CHECK(ClaimOf(Scenario::GetFrom(b.admin_port, "/v1/subscriptions")).value("this_keeper", true) ==
        false);
  CHECK(ClaimOf(s.AdminGet("/v1/subscriptions")).value("this_keeper", false) == true);
  // A renewal asked of B is not B's to make: B marks the record due in the database and A, the
  // holder, renews it at its next look at the schedule.
  const int64_t before_b = s.LastCallSeq();
  CHECK(Scenario::PostTo(b.admin_port, "/v1/subscriptions/main/sms/renew").status == 202);
  REQUIRE(WaitFor([&] { return RenewCalls(s.CallsAfter(before_b)) >= 1; }, 20s, 100ms));
  CHECK(ClaimOf(Scenario::GetFrom(b.admin_port, "/v1/subscriptions")).value("this_keeper", true) ==
        false);
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);

  // A dies without giving its claim back; B takes the account within the TTL and a poll.
  s.KillKeeper();
  REQUIRE(WaitFor([&] { return HeldHere(b.admin_port); }, 30s, 100ms));
  const json taken = ClaimOf(Scenario::GetFrom(b.admin_port, "/v1/subscriptions"));
  CHECK(taken.value("epoch", 0) >= 2);
  const std::string metrics = Scenario::GetFrom(b.admin_port, "/metrics").body;
  CHECK(metrics.find("subkeeper_claims_held 1") != std::string::npos);
  CHECK(metrics.find("subkeeper_claims_gained_total 1") != std::string::npos);
  CHECK(metrics.find("subkeeper_housekeeping_leader 1") != std::string::npos);
  CHECK(Scenario::GetFrom(b.admin_port, "/v1/subscriptions")
            .Json()["replica"]
            .value("housekeeping", false));

  // B renews when asked now, and still no second create.
  const int64_t before_renew = s.LastCallSeq();
  REQUIRE(WaitFor(
      [&] {
        Scenario::PostTo(b.admin_port, "/v1/subscriptions/main/sms/renew");
        return RenewCalls(s.CallsAfter(before_renew)) > 0;
      },
      20s, 500ms));
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);

  // A comes back: the account is B's, and A's start-up creates nothing.
  s.StartKeeper();
  REQUIRE(WaitFor(
      [&] {
        const json claim = ClaimOf(s.AdminGet("/v1/subscriptions"));
        return claim.is_object() && claim.value("holder", json()) == b_id;
      },
      20s, 100ms));
  CHECK(ClaimOf(s.AdminGet("/v1/subscriptions")).value("this_keeper", true) == false);
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  CHECK(s.EmulatorRecords().size() == 1);

  // A one-shot apply would call the platform for accounts the keepers hold: refused, naming them.
  const CliRun apply = s.RunCli({"apply", "-c", s.config_path()});
  INFO("apply: exit " << apply.exit_code << "\n" << apply.out << apply.err);
  CHECK(apply.exit_code == 1);
  CHECK(apply.err.find("running keepers hold the claims of account(s) main") != std::string::npos);
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  b.process->Terminate();
}

TEST_CASE("A create whose answer was lost is adopted by the keeper that takes over, not repeated",
          "[integration][postgres][replicas]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ScenarioOptions options;
  options.postgres = conninfo;
  options.claim_ttl_s = 4;  // platform calls time out after 2 s
  options.expires_in_s = 600;
  options.start_keeper = false;
  Scenario s(options);
  // The platform creates the subscription but answers after the keeper gave up waiting; and
  // after the start-up pass's list (let through by a fault that does nothing), the account
  // cannot be listed any more, so A, which marked the create uncertain before sending it,
  // cannot settle it: it must not send a second POST meanwhile. Faults are taken in order.
  auto fault = [&](const json& f) {
    REQUIRE(s.EmulatorPost("/_emulator/faults", f).status == 200);
  };
  fault({{"kind", "latency"},
         {"latencyMs", 0},
         {"count", 1},
         {"method", "GET"},
         {"pathPrefix", kSubscriptionPath}});
  fault({{"kind", "status"},
         {"status", 503},
         {"count", 10000},
         {"method", "GET"},
         {"pathPrefix", kSubscriptionPath}});
  fault({{"kind", "latency"},
         {"latencyMs", 3000},
         {"count", 1},
         {"method", "POST"},
         {"pathPrefix", kSubscriptionPath}});
  s.StartKeeper();
  REQUIRE(WaitFor([&] { return s.CountCalls("POST", kSubscriptionPath) == 1; }, 20s, 20ms));
  REQUIRE(WaitFor(
      [&] {
        const auto view = s.View();
        return view && !view->value("last_error", json()).is_null();
      },
      20s, 100ms));
  CHECK(s.EmulatorRecords().size() == 1);  // made, though the keeper never heard of it

  // A dies; the platform lists again; B takes the account over and finds the subscription.
  s.KillKeeper();
  REQUIRE(s.EmulatorDelete("/_emulator/faults").status == 200);
  Scenario::Replica b = s.StartReplica("replica-b");
  INFO("replica b log: " << b.log_path);
  const std::string made = s.EmulatorRecords().front().value("id", "");
  REQUIRE(WaitFor(
      [&] {
        const json body = Scenario::GetFrom(b.admin_port, "/v1/subscriptions").Json();
        if (!body.is_object()) return false;
        for (const auto& sub : body.value("subscriptions", json::array())) {
          if (sub.value("remote_id", json()) == made) return true;
        }
        return false;
      },
      30s, 100ms));
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  CHECK(s.EmulatorRecords().size() == 1);
  CHECK(s.HistoryHas("adopted"));
  b.process->Terminate();
}

TEST_CASE("A keeper stopped past its claim's TTL sends nothing for the account after it resumes",
          "[integration][postgres][replicas]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;
  ScenarioOptions options;
  options.postgres = conninfo;
  options.claim_ttl_s = 4;
  options.expires_in_s = 600;
  Scenario s(options);
  REQUIRE_FALSE(s.WaitForActive(30s).empty());
  Scenario::Replica b = s.StartReplica("replica-b");
  INFO("replica b log: " << b.log_path);
  const std::string a_id = ReplicaId(s.AdminGet("/v1/subscriptions"));
  REQUIRE(WaitFor([&] { return HeldBy(b.admin_port, a_id); }, 20s, 100ms));

  // A stalls (SIGSTOP, as a VM pause or a long stall would) for longer than the TTL: B takes
  // the account over.
  s.SignalKeeper(SIGSTOP);
  REQUIRE(WaitFor([&] { return HeldHere(b.admin_port); }, 30s, 100ms));
  const int64_t resumed_at = s.LastCallSeq();
  s.SignalKeeper(SIGCONT);

  // A learns from the database that it lost the claim...
  REQUIRE(WaitFor(
      [&] {
        return s.AdminGet("/metrics").body.find("subkeeper_claims_lost_total 1") !=
               std::string::npos;
      },
      20s, 100ms));
  CHECK(ClaimOf(s.AdminGet("/v1/subscriptions")).value("this_keeper", true) == false);
  // ...and a renewal asked of it now goes to B through the database.
  CHECK(Scenario::PostTo(s.admin_port(), "/v1/subscriptions/main/sms/renew").status == 202);
  auto renewed_by_b = [&] {
    for (const auto& call : s.CallsAfter(resumed_at)) {
      if (RenewCalls(std::vector<json>(1, call)) == 1 &&
          call.value("agent", "").find("replica/replica-b") != std::string::npos)
        return true;
    }
    return false;
  };
  REQUIRE(WaitFor(renewed_by_b, 20s, 100ms));
  // Every platform call since A resumed came from B: A (whose calls carry no replica id) sent
  // none, not even the ones its threads had due while it was stopped.
  for (const auto& call : s.CallsAfter(resumed_at)) {
    INFO("call " << call.dump());
    CHECK(call.value("agent", "").find("replica/replica-b") != std::string::npos);
  }
  CHECK(s.CountCalls("POST", kSubscriptionPath) == 1);
  b.process->Terminate();
}

TEST_CASE("Events the holder could not relay are relayed in order by the keeper that takes over",
          "[integration][postgres][replicas]") {
  const std::string conninfo = RequireNewPgDatabase();
  if (conninfo.empty()) return;
  AppSink sink;
  const std::string path = "/app/events";
  sink.SetStatus(path, 503);  // the app is down: events stay pending
  ScenarioOptions options;
  options.postgres = conninfo;
  options.claim_ttl_s = 4;
  options.expires_in_s = 600;
  options.deliver_to = sink.Url(path);
  options.relay_section = "  min_backoff: 1\n  max_backoff: 1\n";
  Scenario s(options);
  const std::string id = s.WaitForActive(30s);
  REQUIRE_FALSE(id.empty());
  Scenario::Replica b = s.StartReplica("replica-b");
  INFO("replica b log: " << b.log_path);
  const std::string a_id = ReplicaId(s.AdminGet("/v1/subscriptions"));
  REQUIRE(WaitFor([&] { return HeldBy(b.admin_port, a_id); }, 20s, 100ms));

  const std::vector<std::string> uuids = {"replica-relay-1", "replica-relay-2", "replica-relay-3"};
  for (size_t i = 0; i < uuids.size(); ++i) {
    const auto reply = s.EmulatorPost("/_emulator/subscriptions/" + id + "/notify",
                                      {{"uuid", uuids[i]}, {"body", {{"n", i}}}});
    REQUIRE(reply.Json().value("status", 0) == 200);
  }
  // The holder tries (and the app refuses); the other keeper, which does not hold the account,
  // never relays its events.
  REQUIRE(WaitFor([&] { return sink.RequestsTo(path).size() >= 2; }, 20s, 50ms));
  for (const auto& request : sink.RequestsTo(path)) {
    CHECK(request.Header("user-agent").find("replica/replica-b") == std::string::npos);
  }

  // The holder dies with the three events pending; the app comes back.
  s.KillKeeper();
  sink.SetStatus(path, 200);
  auto delivered = [&] {
    std::vector<std::string> ids;
    for (const auto& request : sink.RequestsTo(path)) {
      const std::string uuid = request.Header("webhook-id");
      if (request.ok() && std::find(ids.begin(), ids.end(), uuid) == ids.end()) ids.push_back(uuid);
    }
    return ids;
  };
  REQUIRE(WaitFor([&] { return delivered().size() == uuids.size(); }, 30s, 100ms));
  // Each delivered once the app took them, in the order they were received, by the new holder.
  CHECK(delivered() == uuids);
  for (const auto& request : sink.RequestsTo(path)) {
    if (request.ok())
      CHECK(request.Header("user-agent").find("replica/replica-b") != std::string::npos);
  }
  b.process->Terminate();
}

}  // namespace
}  // namespace subkeeper::testing
