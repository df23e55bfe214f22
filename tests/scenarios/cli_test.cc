// Scenarios of the one-shot commands against a running keeper: `plan` reports what a reconcile
// would change (exit 0, or 0 / 2 with --detailed-exitcode) without changing anything, and
// `history` shows the lifecycle rows.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

using Methods = std::map<std::string, int>;

SubscriptionSpec Relay(const std::string& name) {
  SubscriptionSpec spec;
  spec.name = name;
  spec.event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
  spec.expires_in_s = 300;  // no renewal is due while the commands run
  spec.threshold_s = 100;
  spec.interval_s = 20;
  return spec;
}

bool HasAction(const json& plan, const std::string& action, const std::string& name) {
  return std::any_of(plan["actions"].begin(), plan["actions"].end(), [&](const json& a) {
    return a.value("action", "") == action && a.value("name", "") == name;
  });
}

}  // namespace

TEST_CASE("plan reports the running config unchanged and an edited copy changed and history lists",
          "[integration]") {
  ScenarioOptions options;
  options.subscriptions = {Relay("a"), Relay("b")};
  options.subscription = options.subscriptions.front().name;
  Scenario s(options);
  const std::string a_id = s.WaitForActive(20s);
  REQUIRE_FALSE(a_id.empty());
  const json before = s.ConfigState();
  REQUIRE(before.is_object());
  const int64_t seq = s.LastCallSeq();

  // The same config, naming the bound port: the same public_url as the keeper's.
  const std::string same = s.WriteConfigCopy("plan-same.yaml", s.Specs());
  const CliRun unchanged = s.RunCli({"plan", "-c", same});
  INFO("plan (unchanged): exit " << unchanged.exit_code << "\n" << unchanged.out << unchanged.err);
  CHECK(unchanged.exit_code == 0);
  CHECK(unchanged.out == "No changes.\n");

  auto edited = s.Specs();
  edited[0].event_filters = {"/restapi/v1.0/account/~/extension/~/message-store"};
  edited.push_back(Relay("c"));
  const std::string copy = s.WriteConfigCopy("plan-edited.yaml", edited);
  const CliRun changes = s.RunCli({"plan", "-c", copy});
  INFO("plan (edited): exit " << changes.exit_code << "\n" << changes.out << changes.err);
  CHECK(changes.exit_code == 0);  // as terraform plan: changes are not an error
  CHECK(changes.out.find("+ create   main/c") != std::string::npos);
  std::string update_line = "~ update   main/a  ";
  update_line += a_id;
  CHECK(changes.out.find(update_line) != std::string::npos);
  CHECK(changes.out.find("Plan: 1 to create, 1 to update") != std::string::npos);

  const CliRun as_json = s.RunCli({"plan", "-c", copy, "--json"});
  INFO("plan --json: exit " << as_json.exit_code << "\n" << as_json.out << as_json.err);
  CHECK(as_json.exit_code == 0);
  const json plan = json::parse(as_json.out, nullptr, false);
  REQUIRE(plan.is_object());
  CHECK(plan["changes"] == true);
  REQUIRE(plan["actions"].is_array());
  CHECK(plan["actions"].size() == 2);
  CHECK(HasAction(plan, "create", "c"));
  CHECK(HasAction(plan, "update", "a"));

  // Planning changed nothing: only token and list calls, and the keeper did not reload.
  const CallSummary calls = Summarize(s.CallsAfter(seq));
  INFO("calls while planning:\n" << calls.text);
  CHECK(calls.subscription == Methods{{"GET", 3}});
  CHECK(s.ConfigState()["generation"] == before["generation"]);
  CHECK(s.EmulatorRecords().size() == 2);

  // -detailed-exitcode, as terraform's: 0 no changes, 2 changes.
  const CliRun detailed_same = s.RunCli({"plan", "-c", same, "--detailed-exitcode"});
  CHECK(detailed_same.exit_code == 0);
  CHECK(detailed_same.out == "No changes.\n");
  const CliRun detailed_changes = s.RunCli({"plan", "--detailed-exitcode", "-c", copy});
  CHECK(detailed_changes.exit_code == 2);
  CHECK(detailed_changes.out == changes.out);

  // apply with nothing to do says only that.
  const CliRun applied = s.RunCli({"apply", "-c", same});
  INFO("apply: exit " << applied.exit_code << "\n" << applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(applied.out == "No changes.\n");
  const CliRun applied_json = s.RunCli({"apply", "-c", same, "--json"});
  CHECK(applied_json.exit_code == 0);
  const json apply_doc = json::parse(applied_json.out, nullptr, false);
  REQUIRE(apply_doc.is_object());
  CHECK(apply_doc["applied"] == 0);
  CHECK(apply_doc["actions"] == 0);
  CHECK(apply_doc["plan"]["changes"] == false);

  const CliRun history = s.RunCli({"history", "-c", same});
  INFO("history: exit " << history.exit_code << "\n" << history.out << history.err);
  CHECK(history.exit_code == 0);
  for (const std::string name : {"a", "b"}) {
    const auto view = s.ViewOf(name);
    REQUIRE(view.has_value());
    const std::string id = (*view)["remote_id"].get<std::string>();
    std::string row_name = "main/";
    row_name += name;
    row_name += ' ';
    bool found = false;
    std::istringstream lines(history.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(row_name) != std::string::npos && line.find(" created") != std::string::npos &&
          line.find(id) != std::string::npos) {
        found = true;
      }
    }
    INFO("a created row for main/" << name << " with " << id);
    CHECK(found);
  }
  const CliRun history_json = s.RunCli({"history", "-c", same, "--json", "--limit=50"});
  CHECK(history_json.exit_code == 0);
  const json rows = json::parse(history_json.out, nullptr, false);
  REQUIRE(rows.is_array());
  CHECK(rows.size() >= 2);
  for (const auto& row : rows) {
    CHECK(row["at"].is_string());
    CHECK(row["kind"].is_string());
  }
  const CliRun replayed = s.RunCli({"replay", "-c", same, "--json", "--dead"});
  CHECK(replayed.exit_code == 0);
  const json replay_doc = json::parse(replayed.out, nullptr, false);
  REQUIRE(replay_doc.is_object());
  CHECK(replay_doc["queued"] == 0);
  CHECK(replay_doc["dead_only"] == true);
}

}  // namespace subkeeper::testing

namespace subkeeper::testing {

TEST_CASE("status shows conditions and renew renews now through the running keeper",
          "[integration]") {
  ScenarioOptions options;
  options.subscriptions = {Relay("a")};
  options.subscription = options.subscriptions.front().name;
  Scenario s(options);
  const std::string id = s.WaitForActive(20s);
  REQUIRE_FALSE(id.empty());
  // The daemon's admin port is found through the file it writes next to its database.
  const CliRun table = s.RunCli({"status", "-c", s.config_path()});
  INFO("status: exit " << table.exit_code << "\n" << table.out << table.err);
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("ACCOUNT") == 0);
  CHECK(table.out.find("main") != std::string::npos);
  CHECK(table.out.find("Active") != std::string::npos);
  CHECK(table.out.find(" Ready") != std::string::npos);

  const CliRun one = s.RunCli({"status", "-c", s.config_path(), "a", "--json"});
  INFO("status a: exit " << one.exit_code << "\n" << one.out << one.err);
  CHECK(one.exit_code == 0);
  const json view = json::parse(one.out, nullptr, false);
  REQUIRE(view.is_object());
  REQUIRE(view["conditions"].size() == 6);
  for (const auto& c : view["conditions"]) {
    INFO(c.dump());
    CHECK(c["last_transition_time"].is_string());
    CHECK(c["reason"].is_string());
  }
  CHECK(view["conditions"][0]["type"] == "Ready");
  CHECK(view["conditions"][0]["status"] == "True");

  const std::string expiry_before = view["expires_at"];
  const CliRun renewed = s.RunCli({"renew", "-c", s.config_path(), "a", "--wait", "20"});
  INFO("renew: exit " << renewed.exit_code << "\n" << renewed.out << renewed.err);
  CHECK(renewed.exit_code == 0);
  CHECK(renewed.out.find("main/a renewed (manual)") != std::string::npos);
  auto after = s.View();
  REQUIRE(after.has_value());
  CHECK((*after)["last_renewal"]["trigger"] == "manual");
  CHECK((*after)["expires_at"] != expiry_before);

  const CliRun renewed_json = s.RunCli({"renew", "-c", s.config_path(), "a", "--json"});
  INFO("renew --json: exit " << renewed_json.exit_code << "\n"
                             << renewed_json.out << renewed_json.err);
  CHECK(renewed_json.exit_code == 0);
  const json outcome = json::parse(renewed_json.out, nullptr, false);
  REQUIRE(outcome.is_object());
  CHECK(outcome["name"] == "a");
  CHECK(outcome["trigger"] == "manual");
  CHECK(outcome["expires_at"].is_string());

  const CliRun unknown = s.RunCli({"renew", "-c", s.config_path(), "nope"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no configured subscription nope") != std::string::npos);
  CHECK(unknown.out.empty());
}

TEST_CASE("every command has its own help", "[integration]") {
  ScenarioOptions options;
  options.start_keeper = false;
  Scenario s(options);
  for (const std::string command : {"run", "check", "plan", "apply", "status", "history", "renew",
                                    "replay", "generate-secret"}) {
    const CliRun help = s.RunCli({command, "--help"});
    INFO(command << ": exit " << help.exit_code << "\n" << help.out << help.err);
    CHECK(help.exit_code == 0);
    std::string usage = "usage: subkeeper ";
    usage.append(command);
    CHECK(help.out.find(usage) == 0);
    CHECK(help.err.empty());
  }
  const CliRun bad = s.RunCli({"renew", "--bogus"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("--bogus") != std::string::npos);
  CHECK(bad.err.find("subkeeper renew --help") != std::string::npos);
  CHECK(s.RunCli({"--version"}).out.find("subkeeper ") == 0);
}

}  // namespace subkeeper::testing
