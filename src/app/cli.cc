// Running a parsed command line: load the config, set up logging, hand over to the command.
#include "subkeeper/app/cli.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "subkeeper/app/commands.h"
#include "subkeeper/app/daemon.h"
#include "subkeeper/app/server_options.h"
#include "subkeeper/common/log.h"
#include "subkeeper/config/loader.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::app {
namespace {

using nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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

int Check(const CommandLine& line) {
  const std::string& path = line.config;
  auto loaded = config::LoadConfigFile(path);
  std::optional<std::string> problem;
  if (!loaded.ok()) {
    problem = loaded.status().message();
  } else if (loaded->listen.tls.enabled()) {
    if (Status tls = server::CheckTls(ToTlsOptions(loaded->listen.tls)); !tls.ok()) {
      problem = path + ": " + tls.message();
    }
  }
  // A file that cannot be read is an error of the command, not a verdict on a config.
  if (problem && (!line.json || loaded.status().code() == StatusCode::kNotFound)) {
    std::fprintf(stderr, "%s\n", problem->c_str());
    return 1;
  }
  if (line.json) {
    json doc = {{"config", path}, {"valid", !problem}};
    if (problem) {
      doc["problems"] = Lines(*problem);
    } else {
      doc["accounts"] = loaded->accounts.size();
      doc["subscriptions"] = loaded->subscriptions.size();
    }
    std::printf("%s\n", doc.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return problem ? 1 : 0;
  }
  std::printf("%s: ok (%zu account(s), %zu subscription(s))\n", path.c_str(),
              loaded->accounts.size(), loaded->subscriptions.size());
  return 0;
}

// Why `run` could not load its config, in the log format it will run with: in JSON, one log
// record (level error, module keeper) per problem, then one critical record, so that a log
// collector parsing every line never meets plain text. In text, the problems as they are.
void ReportStartupError(const std::string& format, const std::string& config_path,
                        const Status& status) {
  if (format != "json") {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return;
  }
  logging::Configure({"info", "json", {}});
  const auto problems = Lines(status.message());
  for (const auto& problem : problems) logging::KeeperLog().error("config: {}", problem);
  logging::KeeperLog().critical("cannot run: config {} did not load ({} problem(s))", config_path,
                                problems.size());
  logging::KeeperLog().flush();
}

int Run(const CommandLine& line) {
  auto loaded = config::LoadConfigFile(line.config);
  if (!loaded.ok()) {
    // --log-format or $SUBKEEPER_LOG_FORMAT, else log.format if the file parses that far.
    const std::string format = !line.log_format.empty()
                                   ? line.log_format
                                   : config::PeekLogFormat(line.config).value_or("text");
    ReportStartupError(format, line.config, loaded.status());
    return 1;
  }
  if (!line.log_format.empty()) loaded->log_format = line.log_format;
  SetUpLogging(*loaded);
  Status status =
      RunDaemon(std::move(*loaded), DaemonOptions{line.config, line.state_file, line.log_format});
  if (!status.ok()) {
    logging::KeeperLog().critical("cannot run: {}", status.ToString());
    return 1;
  }
  return 0;
}

// The commands that load the config and then run once.
int OneShot(const CommandLine& line) {
  auto loaded = config::LoadConfigFile(line.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 1;
  }
  const config::Config& config = *loaded;
  // One-shot commands log warnings only, to stderr, so their stdout stays parseable.
  SetUpLogging(config, "warning");
  switch (line.command) {
    case Command::kPlan:
      return PlanCommand(config, PlanOptions{line.json, line.detailed_exitcode});
    case Command::kApply:
      return ApplyCommand(config, line.json);
    case Command::kStatus:
      return StatusCommand(config, line.account, line.name, line.json);
    case Command::kRenew:
      return RenewCommand(config, line.account, line.name, std::chrono::seconds(line.wait_s),
                          line.json);
    case Command::kHistory:
      return HistoryCommand(config, {line.account, line.name, line.limit, line.json});
    case Command::kReplay: {
      WallTime since{};
      if (!line.since.empty()) {
        auto parsed = ParseSince(line.since, SystemClock().Now());
        if (!parsed.ok()) {  // ParseCommandLine checked it already
          std::fprintf(stderr, "subkeeper replay: %s\n", parsed.status().message().c_str());
          return 2;
        }
        since = *parsed;
      }
      return ReplayCommand(config, {line.account, line.name, since, line.dead, line.json});
    }
    case Command::kMigrate:
      return MigrateCommand(config, {Secret(line.to_postgres), line.to_postgres_file, line.json});
    case Command::kRun:
    case Command::kCheck:
    case Command::kGenerateSecret:
      break;
  }
  return 2;
}

}  // namespace

int Execute(const CommandLine& line) {
  switch (line.command) {
    case Command::kRun:
      return Run(line);
    case Command::kCheck:
      return Check(line);
    case Command::kGenerateSecret:
      return GenerateSecretCommand(line.json);
    default:
      return OneShot(line);
  }
}

int RunCli(int argc, char** argv) {
  const ParsedArgs parsed = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  std::fputs(parsed.out.c_str(), stdout);
  std::fputs(parsed.err.c_str(), stderr);
  if (!parsed.command) return parsed.exit_code;
  return Execute(*parsed.command);
}

}  // namespace subkeeper::app
