// The command line: `subkeeper <command> [options]`, `subkeeper help [COMMAND]`, `--version`.
//
// Parsing and running are separate steps so that tests can check what argv means without
// running anything: ParseCommandLine turns argv into a CommandLine (or into an immediate exit
// with its text: help, version, usage error), Execute runs a CommandLine.
//
// Each command accepts only its own options (cli_help.cc lists them with the help texts); an
// unknown or misplaced option, a missing value, a value that is not a strict decimal number in
// range, or an unknown command is a usage error: exit 2, a message naming it on stderr.
// "--opt=value" and "--opt value" are the same.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace subkeeper::app {

enum class Command {
  kRun,
  kCheck,
  kPlan,
  kApply,
  kStatus,
  kHistory,
  kRenew,
  kReplay,
  kMigrate,
  kGenerateSecret,
};

// One parsed invocation. Fields a command does not take keep their defaults.
struct CommandLine {
  Command command = Command::kRun;
  // -c/--config, else $SUBKEEPER_CONFIG, else /etc/subkeeper/subkeeper.yaml. Empty for
  // generate-secret, which reads no config.
  std::string config;
  bool json = false;  // --json: machine-readable output on stdout
  // run
  std::string state_file;  // --state-file (alias --port-file)
  std::string log_format;  // --log-format, else $SUBKEEPER_LOG_FORMAT: "text", "json" or "" (=
                           // the config's log.format)
  // status, history, renew, replay
  std::string account;             // --account
  std::string name;                // the positional NAME
  int limit = 1000;                // history --limit, 1..INT_MAX
  int wait_s = 30;                 // renew --wait, 1..86400
  std::string since;               // replay --since, already checked by ParseSince
  bool dead = false;               // replay --dead
  bool detailed_exitcode = false;  // plan --detailed-exitcode
  // migrate: exactly one of them (checked while parsing). The connection string is a secret:
  // no message repeats it.
  std::string to_postgres;       // --to-postgres CONNINFO
  std::string to_postgres_file;  // --to-postgres-file FILE
};

// What argv asks for: a command to run, or an exit right away (help, --version, usage error)
// with the text for stdout and stderr.
struct ParsedArgs {
  std::optional<CommandLine> command;
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses `args` (argv[1..]). Reads SUBKEEPER_CONFIG and SUBKEEPER_LOG_FORMAT through `env`
// (defaults to the process environment). Never runs anything and never exits the process.
ParsedArgs ParseCommandLine(const std::vector<std::string>& args, const EnvLookup& env = {});

// The help of `command` ("run", "plan", …), or of the whole program when `command` is empty;
// nullopt for an unknown command. Every command's help ends with its exit codes.
std::optional<std::string> HelpText(const std::string& command);

// The long options ("--json", "--config", …) that `command` accepts, from the parser itself;
// empty for an unknown command. Lets tests hold HelpText and the parser in step.
std::vector<std::string> OptionNames(const std::string& command);

// Runs a parsed command; returns the process exit code.
int Execute(const CommandLine& command_line);

// ParseCommandLine, then Execute. Returns the process exit code: 0 ok, 1 error, 2 usage error,
// and as each command's help says otherwise (plan --detailed-exitcode 2 = changes, status 3 =
// some subscription not Ready).
int RunCli(int argc, char** argv);

}  // namespace subkeeper::app
