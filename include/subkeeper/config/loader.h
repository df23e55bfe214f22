// Loading a config file: parse (YAML or JSON), expand ${VAR}, read *_file secrets, validate.
// Every problem is reported, not just the first, each as "FILE:LINE: key.path: rule"
// (LINE omitted for JSON). Nothing is half-applied: the result is a whole Config or an error.
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"

namespace subkeeper::config {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// Reads a whole file (for *_file keys); an error Status when it cannot.
using FileReader = std::function<Result<std::string>(const std::string& path)>;
// Opens a file to be read line by line (the accounts file, which may hold tens of thousands of
// lines and is never held whole); an error Status when it cannot.
using LineSource = std::function<Result<std::unique_ptr<std::istream>>(const std::string& path)>;

struct ConfigIssue {
  std::string file;
  int line = 0;          // 1-based; 0 when unknown
  std::string key_path;  // e.g. "subscriptions[1].reminder.threshold"
  std::string rule;      // e.g. "must be <= expires_in/2 (60)"
  std::string ToString() const;
};

struct LoadOptions {
  EnvLookup env;    // defaults to the process environment
  FileReader read;  // defaults to reading the filesystem
  // Defaults to streaming from the filesystem, or, when only `read` is given (tests), to lines
  // of what `read` returns.
  LineSource open;
};

// How a file is read (keys mirror config.h; units are seconds unless the key says _ms/_bytes/_pct):
//  - `${VAR}` in any scalar value (numbers too) expands from `env`; `$${` is a literal `${`. An
//    unset variable is an issue naming the variable (see ExpandEnv in expand.h).
//  - A secret key `x` (platform.client_secret, webhook_secret, accounts[].jwt) may be given as
//    `x_file: PATH` instead: the file is read with `read` (PATH as written, after expansion,
//    relative to the working directory) and its trailing newlines are stripped. Both is an issue.
//  - A key with an empty value ("key:") counts as absent. Trailing slashes of public_url and
//    platform.server are dropped.
//  - A relayed subscription without `reminder` gets DefaultReminder(expires_in); a reminder
//    without `interval` gets min(3600, threshold/4). Direct subscriptions get none.
//  - `store.sqlite` (default "subkeeper.db"), when relative, is resolved against the config
//    file's directory, like accounts_file; ":memory:" is kept.
//  - Unknown keys, wrong types, and a YAML key given twice are issues.
// Fleets (many accounts with the same subscriptions):
//  - `templates: {NAME: [entry, ...]}` names lists of subscription entries with the keys of
//    `subscriptions[]` except `account`. In deliver_to and address, `{account}` stands for the
//    account's name. An account's `templates: [NAME, ...]` gives it every entry of those
//    templates. A subscription name given by two of its templates, or by a template and an
//    explicit subscriptions[] entry of the account, is an issue naming both; so is an unknown
//    template, and more than kMaxSubscriptionsPerAccount subscriptions after expansion.
//  - `accounts_file: PATH` (relative to the config file's directory) is a JSON Lines file, one
//    accounts[] entry (same keys and rules) per line; blank lines and lines starting with `#`
//    are skipped. It is read with `open`, one line at a time. Its issues name that file and
//    line, and key paths "accounts_file[LINE].key". Its accounts share one namespace with
//    accounts[].
// Bounded input (limits.h): the config file, the accounts file and every *_file are read only
// when they are regular files within their size caps (a FIFO, a device or a directory is
// refused without blocking: "cannot read 'PATH': is not a regular file (a FIFO)"); nesting
// deeper than kMaxNestingDepth and YAML aliases expanding past their budget are refused.
// Running out of memory anyway is an error, not an exception.
// Messages never contain secret values, nor the text of a bad `${...}` name.
// Thread-safety: these functions keep no state; they are as thread-safe as `env` and `read`.
//
// Loads `path`; the format is JSON when the file ends in ".json", YAML otherwise.
// Errors: kInvalidArgument with all issues in the message (one per line); kNotFound when the
// file cannot be read ("cannot read config file PATH: REASON", also when it is not a regular
// file or is larger than kMaxConfigFileBytes). With options.read set, the config file is read
// with it too (tests); otherwise with ReadBoundedFile.
Result<Config> LoadConfigFile(const std::string& path, const LoadOptions& options = {});

// Same, from text already in memory. `source_name` is used in messages.
Result<Config> ParseConfig(std::string_view text, const std::string& source_name, bool json,
                           const LoadOptions& options = {});

// `log.format` of the file at `path` when it is "text" or "json", read from the document tree
// alone: the file only has to parse, not to be a valid config. How `subkeeper run` logs the
// errors of a config that does not load in the format that config asks for. nullopt when the
// file cannot be read or parsed, or says nothing usable.
std::optional<std::string> PeekLogFormat(const std::string& path);

// The validation rules applied by the loader, on an already-parsed Config. Pure. Issues name
// config.source_path; their line is the subscription's `line` for subscription keys, else 0.
std::vector<ConfigIssue> Validate(const Config& config);

}  // namespace subkeeper::config
