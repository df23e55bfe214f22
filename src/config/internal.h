// Pieces of the loader shared between its .cc files. Internal to the config module.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "node.h"
#include "subkeeper/config/config.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config::internal {

// Where things came from, so that validation can point at lines.
struct SourceInfo {
  std::string file;
  std::map<std::string, int> lines;  // key path ("platform.client_id") -> 1-based line
  // Paths the decoder already reported (wrong type, unreadable file, bad ${VAR}); validation
  // issues at or under them are dropped, because they would only repeat the same problem.
  std::set<std::string> reported;
};

struct Decoded {
  Config config;
  SourceInfo source;
  std::vector<ConfigIssue> issues;
};

// Turns a document tree into a Config: checks keys and types, expands ${VAR}, reads *_file
// secrets and applies defaults (including the derived reminder). Never stops at the first issue.
Decoded Decode(const Node& root, const std::string& file, const LoadOptions& options);

// Validate() with line information and the decoder's already-reported paths.
std::vector<ConfigIssue> ValidateWithSource(const Config& config, const SourceInfo& source);

// "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string ParentPath(const std::string& path);

}  // namespace subkeeper::config::internal
