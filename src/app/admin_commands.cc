// The commands that talk to the running daemon through its admin listener: status and renew;
// and generate-secret, which talks to nobody.
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "subkeeper/app/commands.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/http/curl_transport.h"
#include "subkeeper/relay/signature.h"

namespace subkeeper::app {
namespace {

using nlohmann::json;

struct AdminReply {
  int status = 0;  // 0: no answer (then `error` says why)
  json body;
  std::string error;
};

AdminReply AdminCall(const config::Config& config, const std::string& method,
                     const std::string& path) {
  http::HttpRequest request;
  request.method = method;
  request.url = AdminUrl(config) + path;
  request.timeout = std::chrono::milliseconds(10000);
  if (!config.listen.admin_token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + config.listen.admin_token.Reveal());
  }
  auto answer = http::NewCurlTransport()->Send(request);
  AdminReply reply;
  if (!answer.ok()) {
    reply.error = "no running subkeeper answered at " + AdminUrl(config) + " (" +
                  answer.status().message() + ")";
    return reply;
  }
  reply.status = answer->status;
  reply.body = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (reply.status >= 400) {
    reply.error = reply.body.is_object() && reply.body.contains("error")
                      ? reply.body["error"].get<std::string>()
                      : "HTTP " + std::to_string(reply.status);
  }
  return reply;
}

std::string Text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

// "Ready" when it holds, else its reason; then every other condition that holds.
std::string ConditionSummary(const json& conditions) {
  std::string ready = "-";
  std::string others;
  for (const auto& c : conditions) {
    const bool holds = c.value("status", "") == "True";
    const std::string type = c.value("type", "");
    if (type == "Ready") {
      ready = holds ? "Ready" : "NotReady(" + c.value("reason", "") + ")";
    } else if (holds) {
      others += "," + type;
    }
  }
  return ready + others;
}

bool IsReady(const json& view) {
  for (const auto& c : view.value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// The account of `name`: `account` when given, else the only configured account that has it.
std::string ResolveAccount(const config::Config& config, const std::string& account,
                           const std::string& name, std::string& error) {
  std::vector<std::string> matches;
  for (const auto& sub : config.subscriptions) {
    if (sub.name == name && (account.empty() || sub.account == account))
      matches.push_back(sub.account);
  }
  if (matches.empty()) {
    error = "no configured subscription " + (account.empty() ? name : account + "/" + name);
  } else if (matches.size() > 1) {
    error = name + " is configured on " + std::to_string(matches.size()) +
            " accounts; name one with --account";
  } else {
    return matches.front();
  }
  return "";
}

}  // namespace

int StatusCommand(const config::Config& config, const std::string& account, const std::string& name,
                  bool as_json) {
  std::vector<json> views;
  // Several keepers on one database: which keeper holds each account ("" = none).
  std::map<std::string, std::string> holders;
  if (!name.empty()) {
    std::string error;
    const std::string owner = ResolveAccount(config, account, name, error);
    if (owner.empty()) {
      std::fprintf(stderr, "subkeeper status: %s\n", error.c_str());
      return 1;
    }
    AdminReply reply = AdminCall(config, "GET", "/v1/subscriptions/" + owner + "/" + name);
    if (reply.status != 200) {
      std::fprintf(stderr, "subkeeper status: %s\n", reply.error.c_str());
      return 1;
    }
    views.push_back(std::move(reply.body));
  } else {
    AdminReply reply = AdminCall(config, "GET", "/v1/subscriptions");
    if (reply.status != 200 || !reply.body.contains("subscriptions")) {
      std::fprintf(stderr, "subkeeper status: %s\n",
                   reply.error.empty() ? "unexpected answer" : reply.error.c_str());
      return 1;
    }
    if (as_json && account.empty()) {
      std::printf("%s\n", reply.body.dump(2).c_str());
      for (const auto& view : reply.body["subscriptions"])
        if (!IsReady(view)) return 3;
      return 0;
    }
    for (auto& view : reply.body["subscriptions"]) {
      if (account.empty() || view.value("account", "") == account) views.push_back(view);
    }
    if (reply.body.contains("replica")) {
      for (const auto& a : reply.body.value("accounts", json::array())) {
        const json holder = a.contains("claim") ? a["claim"].value("holder", json()) : json();
        holders[a.value("name", "")] = holder.is_string() ? holder.get<std::string>() : "-";
      }
    }
  }
  bool all_ready = true;
  for (const auto& view : views) all_ready = all_ready && IsReady(view);
  if (as_json) {
    std::printf("%s\n",
                (views.size() == 1 && !name.empty() ? views[0] : json(views)).dump(2).c_str());
    return all_ready ? 0 : 3;
  }
  std::printf("%-20s %-20s %-10s %-25s %-25s %s%s\n", "ACCOUNT", "NAME", "STATUS", "EXPIRES",
              "NEXT RENEWAL", "CONDITIONS", holders.empty() ? "" : "  HOLDER");
  for (const auto& view : views) {
    std::string holder;
    if (!holders.empty()) {
      auto it = holders.find(view.value("account", ""));
      holder = "  " + (it != holders.end() ? it->second : std::string("-"));
    }
    std::printf("%-20s %-20s %-10s %-25s %-25s %s%s\n", Text(view["account"]).c_str(),
                Text(view["name"]).c_str(), Text(view["status"]).c_str(),
                Text(view["expires_at"]).c_str(), Text(view["next_renewal"]).c_str(),
                ConditionSummary(view.value("conditions", json::array())).c_str(), holder.c_str());
  }
  if (!name.empty() && views.size() == 1) {
    // One subscription: every condition, with its reason, message and transition time.
    std::printf("\n");
    for (const auto& c : views[0].value("conditions", json::array())) {
      std::printf("  %-19s %-6s %-20s since %s: %s\n", Text(c["type"]).c_str(),
                  Text(c["status"]).c_str(), Text(c["reason"]).c_str(),
                  Text(c["last_transition_time"]).c_str(), Text(c["message"]).c_str());
    }
  }
  return all_ready ? 0 : 3;
}

int RenewCommand(const config::Config& config, const std::string& account, const std::string& name,
                 std::chrono::seconds wait, bool as_json) {
  std::string error;
  const std::string owner = ResolveAccount(config, account, name, error);
  if (owner.empty()) {
    std::fprintf(stderr, "subkeeper renew: %s\n", error.c_str());
    return 1;
  }
  const std::string path = "/v1/subscriptions/" + owner + "/" + name;
  AdminReply before = AdminCall(config, "GET", path);
  if (before.status != 200) {
    std::fprintf(stderr, "subkeeper renew: %s\n", before.error.c_str());
    return 1;
  }
  AdminReply requested = AdminCall(config, "POST", path + "/renew");
  if (requested.status != 202) {
    std::fprintf(stderr, "subkeeper renew: %s\n", requested.error.c_str());
    return 1;
  }
  const auto requested_at = ParseIso8601(requested.body.value("requested_at", ""));
  const int failures_before = before.body.value("failures", 0);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    AdminReply now = AdminCall(config, "GET", path);
    if (now.status != 200) continue;
    const json& last = now.body["last_renewal"];
    const auto at = last["at"].is_string() ? ParseIso8601(last["at"].get<std::string>())
                                           : Result<WallTime>(Status::NotFound(""));
    if (requested_at.ok() && at.ok() && *at >= *requested_at) {
      if (as_json) {
        const json outcome = {{"account", owner},
                              {"name", name},
                              {"trigger", last["trigger"]},
                              {"expires_at", now.body["expires_at"]}};
        std::printf("%s\n", outcome.dump(2, ' ', false, json::error_handler_t::replace).c_str());
      } else {
        std::printf("%s/%s renewed (%s): expires %s\n", owner.c_str(), name.c_str(),
                    Text(last["trigger"]).c_str(), Text(now.body["expires_at"]).c_str());
      }
      return 0;
    }
    if (now.body.value("failures", 0) > failures_before) {
      std::fprintf(stderr,
                   "subkeeper renew: %s/%s: the renewal failed: %s (retry scheduled at %s)\n",
                   owner.c_str(), name.c_str(), Text(now.body["last_error"]).c_str(),
                   Text(now.body["next_renewal"]).c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "subkeeper renew: %s/%s: no outcome within %llds (it is still queued)\n",
               owner.c_str(), name.c_str(), static_cast<long long>(wait.count()));
  return 1;
}

int GenerateSecretCommand(bool as_json) {
  const Secret secret = relay::NewSigningSecret();
  if (as_json) {
    std::printf("%s\n", json({{"secret", secret.Reveal()}}).dump().c_str());
  } else {
    std::printf("%s\n", secret.Reveal().c_str());
  }
  return 0;
}

}  // namespace subkeeper::app
