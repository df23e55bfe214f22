// argv → CommandLine, on CLI11 (https://cliutils.github.io/CLI11/book/): one subcommand per
// command, each with only its own options, so that an option a command does not take is an
// error instead of being ignored. CLI11 formats nothing the user sees: help texts are
// cli_help.cc's, and errors are rephrased here with a pointer to the command's --help.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "subkeeper/app/cli.h"
#include "subkeeper/app/commands.h"

namespace subkeeper::app {
namespace {

constexpr const char* kDefaultConfig = "/etc/subkeeper/subkeeper.yaml";

struct Names {
  const char* name;
  Command command;
};

constexpr Names kCommands[] = {
    {"run", Command::kRun},         {"check", Command::kCheck},
    {"plan", Command::kPlan},       {"apply", Command::kApply},
    {"status", Command::kStatus},   {"history", Command::kHistory},
    {"renew", Command::kRenew},     {"replay", Command::kReplay},
    {"migrate", Command::kMigrate}, {"generate-secret", Command::kGenerateSecret},
};

bool IsCommand(const std::string& word) {
  for (const auto& c : kCommands)
    if (word == c.name) return true;
  return false;
}

// A whole decimal number in [1, max]: no sign, no hex, nothing after the digits, no overflow.
// A transform, so that the text CLI11 then converts has no leading zero (its integer conversion
// is strtoll with base 0, which reads "010" as 8).
CLI::Validator PositiveInt(int max) {
  return CLI::Validator(
      [max](std::string& text) -> std::string {
        int value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, value);
        const bool digits = !text.empty() && text[0] >= '0' && text[0] <= '9';
        if (!digits || ec != std::errc() || ptr != end || value < 1 || value > max) {
          return "must be a whole number from 1 to " + std::to_string(max) + ", not '" + text + "'";
        }
        text = std::to_string(value);  // "010" → "10", before CLI11 reads it as octal
        return "";
      },
      "NUMBER");
}

const CLI::Validator kLogFormat(
    [](std::string& text) -> std::string {
      return text == "text" || text == "json" ? "" : "must be text or json, not '" + text + "'";
    },
    "text|json");

const CLI::Validator kSince(
    [](std::string& text) -> std::string {
      auto parsed = ParseSince(text, WallTime{});
      if (parsed.ok()) return "";
      std::string message = parsed.status().message();  // "--since must be …": CLI11 names it
      return message.starts_with("--since ") ? message.substr(8) : message;
    },
    "T");

// The CLI11 app for every command, writing into `line`. Help flags stay CLI11's (they must
// short-circuit required arguments such as renew's NAME); their text is printed by the caller.
struct Parser {
  CLI::App app{"Keeps RingCentral webhook subscriptions alive.", "subkeeper"};
  CommandLine line;
  std::string help_topic;  // `help [COMMAND]`
  CLI::App* help = nullptr;
  std::vector<std::pair<CLI::App*, Command>> commands;

  Parser() {
    app.require_subcommand(1);
    app.add_flag("--version");
    for (const auto& c : kCommands) commands.emplace_back(Add(c.name, c.command), c.command);
    help = app.add_subcommand("help");
    help->add_option("COMMAND", help_topic);
  }

  CLI::App* Add(const char* name, Command command) {
    CLI::App* sub = app.add_subcommand(name);
    if (command != Command::kGenerateSecret) sub->add_option("-c,--config", line.config);
    if (command != Command::kRun) sub->add_flag("--json", line.json);
    switch (command) {
      case Command::kRun:
        sub->add_option("--state-file,--port-file", line.state_file);
        sub->add_option("--log-format", line.log_format)->check(kLogFormat);
        break;
      case Command::kPlan:
        sub->add_flag("--detailed-exitcode", line.detailed_exitcode);
        break;
      case Command::kStatus:
        sub->add_option("--account", line.account);
        sub->add_option("NAME", line.name);
        break;
      case Command::kHistory:
        sub->add_option("--account", line.account);
        sub->add_option("--limit", line.limit)->transform(PositiveInt(INT_MAX));
        sub->add_option("NAME", line.name);
        break;
      case Command::kRenew:
        sub->add_option("--account", line.account);
        sub->add_option("--wait", line.wait_s)->transform(PositiveInt(86400));
        // Required, but checked after parsing: CLI11 reports a missing required argument before
        // an unknown option, and `renew --bogus` should name --bogus.
        sub->add_option("NAME", line.name);
        break;
      case Command::kReplay:
        sub->add_option("--account", line.account);
        sub->add_option("--since", line.since)->check(kSince);
        sub->add_flag("--dead", line.dead);
        sub->add_option("NAME", line.name);
        break;
      case Command::kMigrate:
        sub->add_option("--to-postgres", line.to_postgres);
        sub->add_option("--to-postgres-file", line.to_postgres_file);
        break;
      case Command::kCheck:
      case Command::kApply:
      case Command::kGenerateSecret:
        break;
    }
    return sub;
  }

  // The command being parsed ("" before one was recognised).
  std::string Current() const {
    auto parsed = app.get_subcommands();
    return parsed.empty() ? "" : parsed.front()->get_name();
  }
};

ParsedArgs Exit(int code, std::string out, std::string err) {
  ParsedArgs parsed;
  parsed.exit_code = code;
  parsed.out = std::move(out);
  parsed.err = std::move(err);
  return parsed;
}

// `command` ("" = none) names where the error is and whose help to read.
ParsedArgs UsageError(const std::string& command, const std::string& message) {
  const std::string who = command.empty() ? "subkeeper" : "subkeeper " + command;
  return Exit(2, "", who + ": " + message + "\nRun '" + who + " --help' for its usage.\n");
}

ParsedArgs UnknownCommand(const std::string& where, const std::string& word) {
  return Exit(2, "",
              where + ": unknown command '" + word +
                  "'\nRun 'subkeeper --help' for the list of commands.\n");
}

// A CLI11 message about `migrate` with every argument that may be a piece of a connection string
// (anything but an option's name: a value, `--opt=value`, a word of an unquoted conninfo)
// replaced by "…": a password must not reach a terminal's scrollback or a CI log.
std::string WithoutConninfo(std::string message, const std::vector<std::string>& args) {
  std::vector<std::string> hidden;
  for (const std::string& arg : args) {
    const bool option_name = arg.starts_with('-') && arg.find_first_of("= \t") == std::string::npos;
    if (!option_name && arg.size() >= 2 && arg != "migrate") hidden.push_back(arg);
  }
  // Longest first, so that a piece of a longer argument is never left beside its "…".
  std::sort(hidden.begin(), hidden.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  const std::string kHidden = "…";
  bool replaced = false;
  for (const std::string& piece : hidden) {
    for (size_t at = message.find(piece); at != std::string::npos;
         at = message.find(piece, at + kHidden.size())) {
      message.replace(at, piece.size(), kHidden);
      replaced = true;
    }
  }
  if (replaced) {
    message +=
        " (arguments that may be part of a connection string are not shown: quote the "
        "whole --to-postgres value, or use --to-postgres-file)";
  }
  return message;
}

std::optional<std::string> Lookup(const EnvLookup& env, const std::string& name) {
  if (env) return env(name);
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

}  // namespace

ParsedArgs ParseCommandLine(const std::vector<std::string>& args, const EnvLookup& env) {
  // An unknown first word is named as a command; CLI11 would only say a subcommand is missing.
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' && args[0] != "help" &&
      !IsCommand(args[0])) {
    return UnknownCommand("subkeeper", args[0]);
  }
  Parser p;
  // CLI11 takes the arguments in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    p.app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return Exit(0, *HelpText(p.Current() == "help" ? "" : p.Current()), "");
  } catch (const CLI::ParseError& e) {
    // --version anywhere before the error wins, as before CLI11.
    if (p.app.count("--version") > 0) return Exit(0, "subkeeper " SUBKEEPER_VERSION "\n", "");
    if (args.empty()) return Exit(2, "", *HelpText(""));
    if (p.Current() == "migrate") return UsageError("migrate", WithoutConninfo(e.what(), args));
    return UsageError(p.Current(), e.what());
  }
  if (p.app.count("--version") > 0) return Exit(0, "subkeeper " SUBKEEPER_VERSION "\n", "");
  if (p.help->parsed()) {
    auto text = HelpText(p.help_topic);
    if (!text) return UnknownCommand("subkeeper help", p.help_topic);
    return Exit(0, *text, "");
  }
  for (const auto& [sub, command] : p.commands) {
    if (!sub->parsed()) continue;
    CommandLine line = p.line;
    line.command = command;
    if (command == Command::kRenew && line.name.empty()) {
      return UsageError("renew", "NAME is required");
    }
    if (command == Command::kMigrate) {
      const bool inline_given = sub->count("--to-postgres") > 0;
      const bool file_given = sub->count("--to-postgres-file") > 0;
      if (inline_given == file_given) {
        return UsageError("migrate", inline_given ? "give either --to-postgres or "
                                                    "--to-postgres-file, not both"
                                                  : "--to-postgres or --to-postgres-file is "
                                                    "required");
      }
      if (inline_given ? line.to_postgres.empty() : line.to_postgres_file.empty()) {
        return UsageError("migrate",
                          std::string(inline_given ? "--to-postgres" : "--to-postgres-file") +
                              " must not be empty");
      }
    }
    if (command != Command::kGenerateSecret && line.config.empty()) {
      line.config = Lookup(env, "SUBKEEPER_CONFIG").value_or("");
      if (line.config.empty()) line.config = kDefaultConfig;
    }
    if (command == Command::kRun && line.log_format.empty()) {
      const std::string format = Lookup(env, "SUBKEEPER_LOG_FORMAT").value_or("");
      if (!format.empty() && format != "text" && format != "json") {
        return UsageError("run", "SUBKEEPER_LOG_FORMAT must be text or json, not '" + format + "'");
      }
      line.log_format = format;
    }
    ParsedArgs parsed;
    parsed.command = std::move(line);
    return parsed;
  }
  return Exit(2, "", *HelpText(""));
}

std::vector<std::string> OptionNames(const std::string& command) {
  Parser p;
  std::vector<std::string> names;
  for (const auto& [sub, parsed_command] : p.commands) {
    if (sub->get_name() != command) continue;
    for (const CLI::Option* option : sub->get_options()) {
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    }
  }
  return names;
}

}  // namespace subkeeper::app
