// Pieces of the loader shared between its .cc files. Internal to the config module.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
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
  // Accounts from this index on came from the accounts file, and subscriptions from this index
  // on were expanded from templates: both were checked where they were read (each rule once per
  // line or per template entry), so validation skips them. SIZE_MAX: validate everything.
  size_t first_streamed_account = std::numeric_limits<size_t>::max();
  size_t first_expanded_subscription = std::numeric_limits<size_t>::max();
};

// `templates:` by name; entries have account "{account}" and the line of their item.
using Templates = std::map<std::string, std::vector<SubscriptionConfig>, std::less<>>;

// The account name template entries carry until they are expanded.
inline constexpr std::string_view kTemplateAccount = "{account}";

// `text` with every "{account}" replaced by `account` (templates.cc).
std::string WithAccount(const std::string& text, const std::string& account);

struct Decoded {
  Config config;
  SourceInfo source;
  Templates templates;
  std::vector<ConfigIssue> issues;
};

// Turns a document tree into a Config: checks keys and types, expands ${VAR}, reads *_file
// secrets and applies defaults (including the derived reminder). Never stops at the first issue.
Decoded Decode(const Node& root, const std::string& file, const LoadOptions& options);

// Validate() with line information and the decoder's already-reported paths, plus the value
// rules of each template entry (paths "templates.NAME[i]").
std::vector<ConfigIssue> ValidateWithSource(const Config& config, const SourceInfo& source,
                                            const Templates& templates = {});

// "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string ParentPath(const std::string& path);

}  // namespace subkeeper::config::internal
