// Loading a config file: parse (YAML or JSON), expand ${VAR}, read *_file secrets, validate.
// Every problem is reported, not just the first, each as "FILE:LINE: key.path: rule"
// (LINE omitted for JSON). Nothing is half-applied: the result is a whole Config or an error.
#pragma once

#include <functional>
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

struct ConfigIssue {
  std::string file;
  int line = 0;          // 1-based; 0 when unknown
  std::string key_path;  // e.g. "subscriptions[1].reminder.threshold"
  std::string rule;      // e.g. "must be <= expires_in/2 (60)"
  std::string ToString() const;
};

struct LoadOptions {
  EnvLookup env;     // defaults to the process environment
  FileReader read;   // defaults to reading the filesystem
};

// Loads `path`; the format is JSON when the file ends in ".json", YAML otherwise.
// Errors: kInvalidArgument with all issues in the message (one per line); kNotFound when the
// file cannot be read.
Result<Config> LoadConfigFile(const std::string& path, const LoadOptions& options = {});

// Same, from text already in memory. `source_name` is used in messages.
Result<Config> ParseConfig(std::string_view text, const std::string& source_name, bool json,
                           const LoadOptions& options = {});

// The validation rules applied by the loader, on an already-parsed Config. Pure.
std::vector<ConfigIssue> Validate(const Config& config);

}  // namespace subkeeper::config
