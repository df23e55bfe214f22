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
  if (!plan.unavailable_accounts.empty()) {
    out = "Warning: could not list account(s)";
    for (const auto& account : plan.unavailable_accounts) out += " " + account;
    out += "; nothing planned for their subscriptions.\n";
  }
  if (!plan.has_changes()) return out + "No changes.";
  for (const auto& action : plan.actions) out += ActionLine(action) + "\n";
  return out + Summary(plan);
}

std::string PlanJson(const Plan& plan) {
  nlohmann::json actions = nlohmann::json::array();
  for (const auto& action : plan.actions) {
    actions.push_back({{"action", ActionKindName(action.kind)},
                       {"account", action.account},
                       {"name", action.name},
                       {"remote_id", action.remote_id},
                       {"reason", action.reason}});
  }
  const nlohmann::json doc = {{"changes", plan.has_changes()},
                              {"actions", std::move(actions)},
                              {"unavailable_accounts", plan.unavailable_accounts}};
  // Names and filters come from user files: replace bad UTF-8 rather than let dump() throw.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace subkeeper::reconcile
