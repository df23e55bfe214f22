#include "subkeeper/app/cli.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/app/commands.h"
#include "subkeeper/app/daemon.h"
#include "subkeeper/common/log.h"
#include "subkeeper/config/loader.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::app {
namespace {

constexpr const char* kUsage =
    "usage: subkeeper <command> [options]\n"
    "\n"
    "Keeps RingCentral webhook subscriptions alive.\n"
    "\n"
    "commands:\n"
    "  run       run the keeper until SIGTERM/SIGINT (SIGHUP or an edit of the config reloads)\n"
    "  check     validate a config file offline\n"
    "  plan      show what a reconcile would change\n"
    "  apply     reconcile once and exit\n"
    "  status    show each subscription's state and conditions (asks the running keeper)\n"
    "  history   print the lifecycle history of subscriptions\n"
    "  renew     renew one subscription now, through the running keeper\n"
    "  replay    relay delivered or dead events again\n"
    "\n"
    "options of every command:\n"
    "  -c, --config FILE   config file (YAML, or JSON when it ends in .json);\n"
    "                      default: $SUBKEEPER_CONFIG, else /etc/subkeeper/subkeeper.yaml\n"
    "  -h, --help          help (of a command: subkeeper <command> --help)\n"
    "  --version           print the version\n"
    "\n"
    "Errors go to stderr; the exit code is 0 on success, 2 for a usage error, and as each\n"
    "command's help says otherwise.\n";

struct CommandHelp {
  const char* name;
  const char* text;
};

constexpr CommandHelp kCommandHelp[] = {
    {"run",
     "usage: subkeeper run [-c FILE] [--port-file PATH]\n"
     "\n"
     "Runs the keeper: keeps every configured subscription alive, receives and relays events,\n"
     "serves the admin endpoints. SIGTERM/SIGINT stop it gracefully (in-flight commits and\n"
     "relays finish, leases are released, exit within 10 s); SIGHUP or an edit of the config\n"
     "file reloads it.\n"
     "\n"
     "  --port-file PATH    write the bound ports as JSON once listening\n"
     "\n"
     "exit: 0 after a clean stop, 1 when it cannot start.\n"},
    {"check",
     "usage: subkeeper check [-c FILE]\n"
     "\n"
     "Validates the config file offline and prints every problem as FILE:LINE: key.path: rule.\n"
     "\n"
     "exit: 0 valid, 1 invalid.\n"},
    {"plan",
     "usage: subkeeper plan [-c FILE] [--json]\n"
     "\n"
     "Lists the platform's subscriptions of every account and shows what a reconcile would\n"
     "create, adopt, update, recreate or delete. Changes nothing.\n"
     "\n"
     "  --json              the plan as JSON\n"
     "\n"
     "exit: 0 no changes, 2 changes, 1 error.\n"},
    {"apply",
     "usage: subkeeper apply [-c FILE]\n"
     "\n"
     "Reconciles once (the plan, carried out) and exits.\n"
     "\n"
     "exit: 0 all applied, 1 otherwise.\n"},
    {"status",
     "usage: subkeeper status [-c FILE] [--account A] [NAME] [--json]\n"
     "\n"
     "Asks the running keeper (its admin listener, found from the config) for the state of\n"
     "every configured subscription, or of NAME: status, expiry, next renewal and conditions\n"
     "(Ready, Renewing, Blacklisted, AuthFailed, ReminderPathBroken, FiltersDisabled). With NAME,\n"
     "each condition is shown with its reason, message and last transition time.\n"
     "\n"
     "  --account A         only this account (and the account of NAME)\n"
     "  --json              the admin endpoint's JSON\n"
     "\n"
     "exit: 0 every one Ready, 3 some not Ready, 1 no keeper answered or error.\n"},
    {"history",
     "usage: subkeeper history [-c FILE] [--account A] [--limit N] [NAME]\n"
     "\n"
     "Prints the lifecycle history (created, renewed, recreated, failures, ...) oldest first,\n"
     "read from the store.\n"
     "\n"
     "  --account A         only this account\n"
     "  --limit N           at most N entries (default 1000)\n"
     "\n"
     "exit: 0, 1 on error.\n"},
    {"renew",
     "usage: subkeeper renew [-c FILE] [--account A] [--wait SECONDS] NAME\n"
     "\n"
     "Asks the running keeper to renew NAME now (trigger \"manual\") and waits for the outcome.\n"
     "\n"
     "  --account A         the account of NAME, needed when several accounts have NAME\n"
     "  --wait SECONDS      how long to wait for the outcome (default 30)\n"
     "\n"
     "exit: 0 renewed, 1 failed, unknown, no outcome in time or no keeper answered.\n"},
    {"replay",
     "usage: subkeeper replay [-c FILE] [--account A] [NAME] [--since T] [--dead]\n"
     "\n"
     "Queues delivered and dead events again for relay to the app (only dead ones with --dead)\n"
     "and wakes the running keeper to send them.\n"
     "\n"
     "  --account A         only this account\n"
     "  --since T           events received since T: ISO 8601 or an age (30m, 6h, 7d)\n"
     "  --dead              only dead-lettered events\n"
     "\n"
     "exit: 0, 1 on error.\n"},
};

const char* HelpOf(const std::string& command) {
  for (const auto& help : kCommandHelp) {
    if (command == help.name) return help.text;
  }
  return nullptr;
}

struct Args {
  std::string command;
  std::string config;
  std::string port_file;
  std::string account;
  std::string name;  // history: the positional NAME
  int limit = 1000;
  int wait_s = 30;    // renew
  std::string since;  // replay
  bool dead = false;  // replay
  bool json = false;
  bool help = false;
};

// Returns false (after printing why) when argv is malformed.
bool ParseArgs(int argc, char** argv, Args& args) {
  std::vector<std::string> rest(argv + 1, argv + argc);
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& arg = rest[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= rest.size()) {
        std::fprintf(stderr, "subkeeper: %s needs a value\n", arg.c_str());
        return false;
      }
      out = rest[++i];
      return true;
    };
    auto positive = [&](int& out) {
      std::string text;
      if (!value(text)) return false;
      out = std::atoi(text.c_str());
      if (out > 0) return true;
      std::fprintf(stderr, "subkeeper: %s needs a positive number\n", arg.c_str());
      return false;
    };
    if (arg == "-h" || arg == "--help") {
      args.help = true;
    } else if (arg == "-c" || arg == "--config") {
      if (!value(args.config)) return false;
    } else if (arg == "--port-file") {
      if (!value(args.port_file)) return false;
    } else if (arg == "--account") {
      if (!value(args.account)) return false;
    } else if (arg == "--limit") {
      if (!positive(args.limit)) return false;
    } else if (arg == "--wait") {
      if (!positive(args.wait_s)) return false;
    } else if (arg == "--since") {
      if (!value(args.since)) return false;
    } else if (arg == "--dead") {
      args.dead = true;
    } else if (arg == "--json") {
      args.json = true;
    } else if (arg == "--version") {
      // handled by RunCli
    } else if (args.command.empty() && !arg.empty() && arg[0] != '-') {
      args.command = arg;
    } else if ((args.command == "history" || args.command == "replay" || args.command == "status" ||
                args.command == "renew" || args.command == "help") &&
               args.name.empty() && !arg.empty() && arg[0] != '-') {
      args.name = arg;
    } else {
      const char* help = HelpOf(args.command);
      std::fprintf(stderr, "subkeeper: unknown argument '%s'\n\n%s", arg.c_str(),
                   help != nullptr ? help : kUsage);
      return false;
    }
  }
  if (args.config.empty()) {
    const char* env = std::getenv("SUBKEEPER_CONFIG");
    args.config = env ? env : "/etc/subkeeper/subkeeper.yaml";
  }
  return true;
}

// `level` overrides the config's levels (one-shot commands log warnings only).
void SetUpLogging(const config::Config& config, const std::string& level = "") {
  logging::Options options{config.log_level, config.log_format, config.log_modules};
  if (!level.empty()) {
    options.level = level;
    options.modules.clear();
  }
  logging::Configure(options);
}

int Check(const Args& args) {
  auto loaded = config::LoadConfigFile(args.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 1;
  }
  if (loaded->listen.tls.enabled()) {
    if (Status tls = server::CheckTls(loaded->listen.tls); !tls.ok()) {
      std::fprintf(stderr, "%s: %s\n", args.config.c_str(), tls.message().c_str());
      return 1;
    }
  }
  std::printf("%s: ok (%zu account(s), %zu subscription(s))\n", args.config.c_str(),
              loaded->accounts.size(), loaded->subscriptions.size());
  return 0;
}

// Loads the config for a command, or prints why it cannot (exit code 1).
std::optional<config::Config> Load(const Args& args) {
  auto loaded = config::LoadConfigFile(args.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return std::nullopt;
  }
  return std::move(loaded).value();
}

int Run(const Args& args) {
  auto loaded = Load(args);
  if (!loaded) return 1;
  SetUpLogging(*loaded);
  Status status = RunDaemon(std::move(*loaded), DaemonOptions{args.config, args.port_file});
  if (!status.ok()) {
    logging::KeeperLog().critical("cannot run: {}", status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace

int RunCli(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) return 2;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      std::printf("subkeeper %s\n", SUBKEEPER_VERSION);
      return 0;
    }
  }
  if (args.command == "help") {
    const char* help = HelpOf(args.name);
    std::fputs(help != nullptr ? help : kUsage, stdout);
    return 0;
  }
  if (args.help || args.command.empty()) {
    const char* help = HelpOf(args.command);
    std::fputs(help != nullptr ? help : kUsage, args.help ? stdout : stderr);
    return args.help ? 0 : 2;
  }
  if (args.command == "check") return Check(args);
  if (args.command == "run") return Run(args);
  if (args.command == "plan" || args.command == "apply" || args.command == "history" ||
      args.command == "replay" || args.command == "status" || args.command == "renew") {
    auto loaded = Load(args);
    if (!loaded) return 1;
    // One-shot commands log warnings only, to stderr, so their stdout stays parseable.
    SetUpLogging(*loaded, "warn");
    if (args.command == "plan") return PlanCommand(*loaded, args.json);
    if (args.command == "apply") return ApplyCommand(*loaded);
    if (args.command == "status") return StatusCommand(*loaded, args.account, args.name, args.json);
    if (args.command == "renew") {
      if (args.name.empty()) {
        std::fprintf(stderr, "subkeeper renew: NAME is required\n\n%s", HelpOf("renew"));
        return 2;
      }
      return RenewCommand(*loaded, args.account, args.name, std::chrono::seconds(args.wait_s));
    }
    if (args.command == "history")
      return HistoryCommand(*loaded, args.account, args.name, args.limit);
    WallTime since{};
    if (!args.since.empty()) {
      auto parsed = ParseSince(args.since, SystemClock().Now());
      if (!parsed.ok()) {
        std::fprintf(stderr, "subkeeper replay: %s\n", parsed.status().message().c_str());
        return 2;
      }
      since = *parsed;
    }
    return ReplayCommand(*loaded, args.account, args.name, since, args.dead);
  }
  std::fprintf(stderr, "subkeeper: unknown command '%s'\n%s", args.command.c_str(), kUsage);
  return 2;
}

}  // namespace subkeeper::app
