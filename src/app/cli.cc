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

namespace subkeeper::app {
namespace {

constexpr const char* kUsage =
    "usage: subkeeper <command> [options]\n"
    "\n"
    "Keeps RingCentral webhook subscriptions alive.\n"
    "\n"
    "commands:\n"
    "  run     -c FILE [--port-file PATH]  run the keeper until SIGTERM/SIGINT; SIGHUP or an edit\n"
    "                                      of FILE reloads it\n"
    "  check   -c FILE                     validate a config file offline (exit 0 ok, 1 invalid)\n"
    "  plan    -c FILE [--json]            show what a reconcile would change\n"
    "                                      (exit 0 no changes, 2 changes, 1 error)\n"
    "  apply   -c FILE                     reconcile once and exit (0 all applied, 1 otherwise)\n"
    "  history -c FILE [--account A] [--limit N] [NAME]\n"
    "                                      print the lifecycle history, oldest first\n"
    "  replay  -c FILE [--account A] [NAME] [--since T] [--dead]\n"
    "                                      relay delivered and dead events again (only dead\n"
    "                                      ones with --dead); T is ISO 8601 or an age: 30m, 6h, "
    "7d\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   config file (YAML, or JSON when it ends in .json);\n"
    "                      default: $SUBKEEPER_CONFIG, else /etc/subkeeper/subkeeper.yaml\n"
    "  --port-file PATH    (run) write the bound ports as JSON once listening\n"
    "  --version           print the version\n"
    "  -h, --help          this help\n";

struct Args {
  std::string command;
  std::string config;
  std::string port_file;
  std::string account;
  std::string name;  // history: the positional NAME
  int limit = 1000;
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
    if (arg == "-h" || arg == "--help") {
      args.help = true;
    } else if (arg == "-c" || arg == "--config") {
      if (!value(args.config)) return false;
    } else if (arg == "--port-file") {
      if (!value(args.port_file)) return false;
    } else if (arg == "--account") {
      if (!value(args.account)) return false;
    } else if (arg == "--limit") {
      std::string text;
      if (!value(text)) return false;
      args.limit = std::atoi(text.c_str());
      if (args.limit <= 0) {
        std::fprintf(stderr, "subkeeper: --limit needs a positive number\n");
        return false;
      }
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
    } else if ((args.command == "history" || args.command == "replay") && args.name.empty() &&
               !arg.empty() && arg[0] != '-') {
      args.name = arg;
    } else {
      std::fprintf(stderr, "subkeeper: unknown argument '%s'\n%s", arg.c_str(), kUsage);
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
  if (args.help || args.command.empty()) {
    std::fputs(kUsage, args.help ? stdout : stderr);
    return args.help ? 0 : 2;
  }
  if (args.command == "check") return Check(args);
  if (args.command == "run") return Run(args);
  if (args.command == "plan" || args.command == "apply" || args.command == "history" ||
      args.command == "replay") {
    auto loaded = Load(args);
    if (!loaded) return 1;
    // One-shot commands log warnings only, to stderr, so their stdout stays parseable.
    SetUpLogging(*loaded, "warn");
    if (args.command == "plan") return PlanCommand(*loaded, args.json);
    if (args.command == "apply") return ApplyCommand(*loaded);
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
