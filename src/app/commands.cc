// The one-shot commands that read or write the store directly: history and replay (plan and
// apply are in plan_commands.cc, status and renew in admin_commands.cc).
#include "subkeeper/app/commands.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "subkeeper/app/run_state.h"
#include "subkeeper/common/log.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/store/sqlite_store.h"
#include "system_env.h"
#include "wiring.h"

namespace subkeeper::app {

using nlohmann::json;

int HistoryCommand(const config::Config& config, const HistoryOptions& options) {
  SystemEnv system;
  // Read-only: reading the history must never leave an empty database behind (a wrong working
  // directory or config used to create one and print nothing).
  auto opened = system.env().open_store(config.store, store::OpenMode::kReadOnly);
  if (opened.status().code() == StatusCode::kNotFound && !config.store.UsesPostgres()) {
    std::fprintf(stderr,
                 "subkeeper history: no database at %s; the keeper creates it when it first "
                 "runs\n",
                 config.store.sqlite_path.c_str());
    return 1;
  }
  if (!opened.ok()) {
    std::fprintf(stderr, "subkeeper history: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto rows = (*opened)->ListHistory({options.account, options.name, options.limit});
  if (!rows.ok()) {
    std::fprintf(stderr, "subkeeper history: %s\n", rows.status().ToString().c_str());
    return 1;
  }
  json entries = json::array();
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    const std::string detail = logging::Scrub(it->detail);
    const std::string trigger(subscription::RenewedByText(it->trigger));
    const std::string kind(store::HistoryKindText(it->kind));
    if (options.json) {
      entries.push_back({{"at", FormatIso8601(it->at)},
                         {"account", it->account},
                         {"name", it->name},
                         {"kind", kind},
                         {"trigger", trigger},
                         {"remote_id", it->remote_id},
                         {"detail", detail}});
      continue;
    }
    const std::string shown = kind + (trigger.empty() ? "" : " (" + trigger + ")");
    std::printf("%s  %-24s %-22s %-38s %s\n", FormatIso8601(it->at).c_str(),
                (it->account + "/" + it->name).c_str(), shown.c_str(), it->remote_id.c_str(),
                detail.c_str());
  }
  if (options.json) {
    std::printf("%s\n", entries.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  }
  return 0;
}

Result<WallTime> ParseSince(std::string_view text, WallTime now) {
  if (text.empty()) return Status::InvalidArgument("--since needs a time or an age");
  const char unit = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  const bool age =
      (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') && !digits.empty() &&
      digits.size() <= 9 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (age) {
    const int64_t n = std::stoll(std::string(digits));
    const int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
    return now - Seconds(n * scale);
  }
  auto parsed = ParseIso8601(text);
  if (!parsed.ok()) {
    return Status::InvalidArgument(
        "--since must be an ISO 8601 time (2026-11-22T08:00:00Z) or an age (90s, 30m, 6h, 7d)");
  }
  return *parsed;
}

std::string AdminUrl(const config::Config& config) {
  const auto admin = config::ParseListenAddress(config.listen.admin);
  const std::string host = admin ? admin->host : "127.0.0.1";
  const int port = admin ? admin->port : 9090;
  if (port != 0) return config::LocalHttpUrl(host, port);
  // Port 0: the daemon's real port is only in the run-state file it wrote. The host is ours;
  // only the port is taken from the file.
  if (!config.listen.state_file.empty()) {
    if (const std::optional<int> found = ReadAdminPort(config.listen.state_file)) {
      return config::LocalHttpUrl(host, *found);
    }
  }
  return config::LocalHttpUrl(host, 0);
}

int ReplayCommand(const config::Config& config, const ReplayOptions& options) {
  const std::string& account = options.account;
  const std::string& name = options.name;
  const bool dead_only = options.dead_only;
  bool known = account.empty() && name.empty();
  for (const auto& sub : config.subscriptions) {
    if ((account.empty() || sub.account == account) && (name.empty() || sub.name == name) &&
        !sub.deliver_to.empty()) {
      known = true;
    }
  }
  if (!known) {
    std::fprintf(stderr,
                 "subkeeper replay: warning: no configured subscription with a deliver_to "
                 "matches; matching events wait until one is configured\n");
  }
  SystemEnv system;
  auto opened = system.env().open_store(config.store, store::OpenMode::kReadWrite);
  if (!opened.ok()) {
    std::fprintf(stderr, "subkeeper replay: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  store::ReplayQuery query;
  query.account = account;
  query.name = name;
  query.since = options.since;
  query.dead_only = dead_only;
  auto requeued = (*opened)->RequeueEvents(query);
  if (!requeued.ok()) {
    std::fprintf(stderr, "subkeeper replay: %s\n", requeued.status().ToString().c_str());
    return 1;
  }
  if (!options.json) {
    std::printf("Queued %lld %sevent(s) for relay again.\n", static_cast<long long>(*requeued),
                dead_only ? "dead " : "");
  }
  // A running daemon sleeps until something is due: tell it (on its admin listener) that
  // there is work. Without an answer it finds the events at its next idle check or start.
  bool woken = false;
  if (*requeued > 0) {
    http::HttpRequest wake;
    wake.method = "POST";
    wake.url = AdminUrl(config) + "/v1/relay/wake";
    wake.timeout = std::chrono::milliseconds(2000);
    if (!config.listen.admin_token.empty()) {
      wake.headers.emplace_back("Authorization", "Bearer " + config.listen.admin_token.Reveal());
    }
    auto answer = system.env().platform->Send(wake);
    woken = answer.ok() && answer->status == 202;
    if (!options.json && woken) {
      std::printf("The running keeper was woken to deliver them now.\n");
    } else if (!options.json) {
      std::printf("No running keeper answered at %s; a running one sends them within a minute.\n",
                  wake.url.c_str());
    }
  }
  if (options.json) {
    std::printf(
        "%s\n",
        json({{"queued", *requeued}, {"dead_only", dead_only}, {"woken", woken}}).dump(2).c_str());
  }
  return 0;
}

}  // namespace subkeeper::app
