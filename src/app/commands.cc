#include "subkeeper/app/commands.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "subkeeper/common/log.h"
#include "subkeeper/common/private_file.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/platform/curl_transport.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
#include "wiring.h"

namespace subkeeper::app {
namespace {

// The store, the platform client and the renewal service, as the daemon builds them.
struct Stack {
  SystemClock clock;
  platform::CurlTransport transport;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<StoreAccountState> account_state;  // tokens and penalties the daemon keeps
  std::unique_ptr<platform::RestClient> api;
  std::unique_ptr<renewal::RenewalService> renewal;
  std::string public_url;
};

Result<std::unique_ptr<Stack>> OpenStack(const config::Config& config) {
  auto stack = std::make_unique<Stack>();
  auto opened = store::OpenSqliteStore(config.store.sqlite_path, stack->clock);
  if (!opened.ok()) return opened.status();
  stack->store = std::move(opened).value();
  // The daemon's tokens and penalties: a one-shot command neither logs in again nor walks
  // into a penalty the daemon was given.
  stack->account_state = std::make_unique<StoreAccountState>(*stack->store);
  stack->api =
      MakePlatformClient(config, stack->transport, stack->clock, stack->account_state.get());
  const auto options = MakeServiceOptions(config, "subkeeper-apply");
  stack->renewal = std::make_unique<renewal::RenewalService>(
      *stack->store, *stack->api, stack->clock, options, [] { return 0.5; });
  // The daemon derives an empty public_url from its bound port; offline, the configured one is it.
  auto listen = config::ParseListenAddress(config.listen.webhooks);
  stack->public_url = reconcile::EffectivePublicUrl(config, listen ? listen->port : 0);
  return stack;
}

}  // namespace

int PlanCommand(const config::Config& config, bool json) {
  auto stack = OpenStack(config);
  if (!stack.ok()) {
    std::fprintf(stderr, "subkeeper plan: %s\n", stack.status().ToString().c_str());
    return 1;
  }
  auto& s = **stack;
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.store, *s.api, s.clock.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper plan: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  const std::string out =
      json ? reconcile::PlanJson(planned->plan) : reconcile::FormatPlan(planned->plan);
  std::fputs(out.c_str(), stdout);
  if (!out.empty() && out.back() != '\n') std::fputc('\n', stdout);
  for (const auto& error : planned->list_errors)
    std::fprintf(stderr, "list failed: %s\n", error.c_str());
  if (!planned->list_errors.empty()) return 1;
  return planned->plan.has_changes() ? 2 : 0;
}

int ApplyCommand(const config::Config& config) {
  auto stack = OpenStack(config);
  if (!stack.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", stack.status().ToString().c_str());
    return 1;
  }
  auto& s = **stack;
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.store, *s.api, s.clock.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  std::fputs(reconcile::FormatPlan(planned->plan).c_str(), stdout);
  reconcile::Executor executor(*s.store, *s.api, *s.renewal, s.clock);
  auto applied = executor.Apply(*planned);
  if (!applied.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", applied.status().ToString().c_str());
    return 1;
  }
  std::printf("Applied %d of %zu action(s).\n", applied->applied, planned->plan.actions.size());
  for (const auto& error : applied->errors) std::fprintf(stderr, "failed: %s\n", error.c_str());
  for (const auto& skip : applied->skipped)
    std::fprintf(stderr, "not applied (changed meanwhile): %s\n", skip.c_str());
  for (const auto& error : planned->list_errors)
    std::fprintf(stderr, "list failed: %s\n", error.c_str());
  return applied->complete() && planned->list_errors.empty() ? 0 : 1;
}

int HistoryCommand(const config::Config& config, const std::string& account,
                   const std::string& name, int limit) {
  SystemClock clock;
  auto opened = store::OpenSqliteStore(config.store.sqlite_path, clock);
  if (!opened.ok()) {
    std::fprintf(stderr, "subkeeper history: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto rows = (*opened)->ListHistory({account, name, limit});
  if (!rows.ok()) {
    std::fprintf(stderr, "subkeeper history: %s\n", rows.status().ToString().c_str());
    return 1;
  }
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    std::string kind = it->kind + (it->trigger.empty() ? "" : " (" + it->trigger + ")");
    std::printf("%s  %-24s %-22s %-38s %s\n", FormatIso8601(it->at).c_str(),
                (it->account + "/" + it->name).c_str(), kind.c_str(), it->remote_id.c_str(),
                logging::Scrub(it->detail).c_str());
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
  // Port 0: the daemon's real port is only in the file it wrote. Its host must be ours; only
  // the digits after it are taken.
  const std::string url = ReadTrustedFirstLine(AdminUrlPath(config.store.sqlite_path));
  const std::string expected = config::LocalHttpUrl(host, 0);  // "http://<host>:0"
  const std::string prefix = expected.substr(0, expected.size() - 1);
  if (url.size() > prefix.size() && url.size() <= prefix.size() + 5 &&
      url.compare(0, prefix.size(), prefix) == 0) {
    const std::string digits = url.substr(prefix.size());
    if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const int found = std::stoi(digits);
      if (found > 0 && found <= 65535) return config::LocalHttpUrl(host, found);
    }
  }
  return expected;
}

int ReplayCommand(const config::Config& config, const std::string& account, const std::string& name,
                  WallTime since, bool dead_only) {
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
  SystemClock clock;
  auto opened = store::OpenSqliteStore(config.store.sqlite_path, clock);
  if (!opened.ok()) {
    std::fprintf(stderr, "subkeeper replay: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  store::ReplayQuery query;
  query.account = account;
  query.name = name;
  query.since = since;
  query.dead_only = dead_only;
  auto requeued = (*opened)->RequeueEvents(query);
  if (!requeued.ok()) {
    std::fprintf(stderr, "subkeeper replay: %s\n", requeued.status().ToString().c_str());
    return 1;
  }
  std::printf("Queued %lld %sevent(s) for relay again.\n", static_cast<long long>(*requeued),
              dead_only ? "dead " : "");
  // A running daemon sleeps until something is due: tell it (on its admin listener) that
  // there is work. Without an answer it finds the events at its next idle check or start.
  if (*requeued > 0) {
    platform::HttpRequest wake;
    wake.method = "POST";
    wake.url = AdminUrl(config) + "/v1/relay/wake";
    wake.timeout = std::chrono::milliseconds(2000);
    if (!config.listen.admin_token.empty()) {
      wake.headers.emplace_back("Authorization", "Bearer " + config.listen.admin_token.Reveal());
    }
    platform::CurlTransport transport;
    auto answer = transport.Send(wake);
    if (answer.ok() && answer->status == 202) {
      std::printf("The running keeper was woken to deliver them now.\n");
    } else {
      std::printf("No running keeper answered at %s; a running one sends them within a minute.\n",
                  wake.url.c_str());
    }
  }
  return 0;
}

}  // namespace subkeeper::app
