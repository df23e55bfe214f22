// Renderings of a Plan for `subkeeper plan`: a terminal view and a JSON document.
#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "subkeeper/reconcile/planner.h"

namespace subkeeper::reconcile {
namespace {

struct KindInfo {
  const char* name;
  char marker;
};

// Indexed by ActionKind, in declaration order.
constexpr std::array<KindInfo, 7> kKinds = {{{"create", '+'},
                                             {"adopt", '='},
                                             {"update", '~'},
                                             {"recreate", '!'},
                                             {"renew", '>'},
                                             {"delete", '-'},
                                             {"forget", 'x'}}};

const KindInfo& Info(ActionKind kind) { return kKinds.at(static_cast<size_t>(kind)); }

std::string ActionLine(const Action& action) {
  std::string kind = Info(action.kind).name;
  kind.resize(9, ' ');  // the longest name, "recreate", keeps one space
  std::string line = "  ";
  line += Info(action.kind).marker;
  line += " " + kind + action.account + "/" + (action.name.empty() ? "(orphan)" : action.name);
  line += "  ";
  if (!action.remote_id.empty()) line += action.remote_id + " ";
  return line + "(" + action.reason + ")";
}

std::string Summary(const Plan& plan) {
  std::array<int, kKinds.size()> counts{};
  for (const auto& action : plan.actions) ++counts.at(static_cast<size_t>(action.kind));
  std::string summary;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts.at(i) == 0) continue;
    summary += summary.empty() ? "Plan: " : ", ";
    summary += std::to_string(counts.at(i)) + " to " + kKinds.at(i).name;
  }
  return summary + ".";
}

}  // namespace

const char* ActionKindName(ActionKind kind) { return Info(kind).name; }

std::string FormatPlan(const Plan& plan) {
  std::string out;
  for (const auto& account : plan.unavailable_accounts) {
    out += "Error: account " + account + " could not be observed; nothing planned for it.\n";
  }
  const bool complete = plan.unavailable_accounts.empty();
  if (complete && !plan.has_changes()) return "No changes.";
  for (const auto& action : plan.actions) out += ActionLine(action) + "\n";
  if (plan.has_changes()) out += Summary(plan);
  if (complete) return out;
  if (plan.has_changes()) out += "\n";
  return out + "Plan incomplete: " + std::to_string(plan.unavailable_accounts.size()) +
         " account(s) not observed.";
}

nlohmann::json PlanDocument(const Plan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& action : plan.actions) {
    actions.push_back({{"action", ActionKindName(action.kind)},
                       {"account", action.account},
                       {"name", action.name},
                       {"remote_id", action.remote_id},
                       {"reason", action.reason}});
  }
  return {{"changes", plan.has_changes()},
          {"complete", plan.unavailable_accounts.empty()},
          {"actions", std::move(actions)},
          {"unavailable_accounts", plan.unavailable_accounts}};
}

std::string PlanJson(const Plan& plan) {
  // Names and filters come from user files: replace bad UTF-8 rather than let dump() throw.
  return PlanDocument(plan).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace subkeeper::reconcile
