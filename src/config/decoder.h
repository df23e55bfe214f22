// The decoder behind internal::Decode. Split from decode.cc so that the section walkers
// (sections.cc) and the typed-value primitives (decode.cc) stay apart. Internal.
#pragma once

#include <initializer_list>
#include <istream>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "internal.h"

namespace subkeeper::config::internal {

using Keys = std::initializer_list<std::string_view>;

std::string Join(const std::string& prefix, std::string_view key);
std::string Index(const std::string& prefix, size_t i);
// "unknown key", with a suggestion when `key` is close to an allowed one.
std::string UnknownKeyRule(std::string_view key, Keys allowed);
// `s` without trailing '\n' and '\r' (secret files).
std::string StripTrailingNewlines(std::string s);

// Where something was read that is not in the document tree (an accounts file line) or is
// reported away from its node (an account's template list), for messages.
struct Where {
  std::string file;  // the config file or the accounts file
  int line = 0;
  std::string path;  // e.g. "accounts[2].templates", "accounts_file[7]"
};

// Walks one document tree. Not thread-safe; one instance per load.
class Decoder {
 public:
  Decoder(const std::string& file, const LoadOptions& options) : options_(options) {
    out_.source.file = file;
    out_.config.source_path = file;
  }

  Decoded Run(const Node& root);

 private:
  void Issue(const std::string& path, int line, std::string rule) {
    out_.issues.push_back({out_.source.file, line, path, std::move(rule)});
    out_.source.reported.insert(path);
  }
  // An issue in `file` (the accounts file, or the config file about a template use). Issues of
  // the accounts file stop after a hundred: one mistake copied to every line is one problem.
  void IssueIn(const Where& at, std::string path, std::string rule);
  void Note(const std::string& path, const Node& node) { out_.source.lines[path] = node.line; }

  bool Map(const Node& node, const std::string& path, Keys allowed);
  bool Seq(const Node& node, const std::string& path);
  std::optional<std::string> Text(const Node& node, const std::string& path);
  std::optional<int64_t> Integer(const Node& node, const std::string& path);
  void Str(const Node& map, const std::string& prefix, std::string_view key, std::string& out);
  void Int(const Node& map, const std::string& prefix, std::string_view key, int64_t& out);
  void SmallInt(const Node& map, const std::string& prefix, std::string_view key, int& out);
  void SecretValue(const Node& map, const std::string& prefix, std::string_view key, Secret& out);

  // `path` resolved against the config file's directory when relative; "" stays "".
  std::string BesideConfig(const std::string& path) const;

  void Listen(const Node& node);
  void Store(const Node& node);
  void Platform(const Node& node);
  void Accounts(const Node& node);
  void AccountTemplates(const Node& node, const std::string& path, size_t account);
  void Subscriptions(const Node& node);
  // `in_template`: a templates entry, which has no `account` key.
  void Subscription(const Node& node, const std::string& path, SubscriptionConfig& sub,
                    bool in_template = false);
  void Filters(const Node& node, const std::string& path, std::vector<std::string>& out);
  void Reminder(const Node* node, const std::string& path, SubscriptionConfig& sub);
  void Renewal(const Node& node);
  void Server(const Node& node);
  void Relay(const Node& node);
  void Metrics(const Node& node);
  void SigningSecrets(const Node& node, std::vector<Secret>& out);
  void Log(const Node& node);

  // templates.cc
  void Templates(const Node& node);
  void IndexExplicitSubscriptions();
  void ExpandAccountTemplates();
  // Appends `account`'s subscriptions from `names`, unless a name is unknown, two entries
  // clash, or the account would exceed the per-account cap: then issues at `use` and nothing.
  void Expand(const std::string& account, const std::vector<std::string>& names, const Where& use);

  // accounts_file.cc
  void AccountsFile(const Node& node);
  void AccountsLines(std::istream& in, const std::string& file);
  void AccountsLine(const nlohmann::json& item, const Where& at);
  // Each reads `key` of one accounts file line into `out` (left alone when absent) and returns
  // false when it reported a problem with it.
  bool FileText(const nlohmann::json& item, std::string_view key, const Where& at,
                std::string& out);
  bool FileSecret(const nlohmann::json& item, std::string_view key, const Where& at, Secret& out);
  bool FileNames(const nlohmann::json& item, const Where& at, std::vector<std::string>& out);

  const LoadOptions& options_;
  Decoded out_;
  // Template names of accounts[] entries: (index in accounts, names), with where they were given.
  std::vector<std::pair<size_t, std::vector<std::string>>> account_templates_;
  std::vector<Where> account_template_uses_;
  // Explicit subscriptions[] by (account, name) -> index, and their number per account. Built
  // at the first expansion: a config without templates does not pay for it.
  bool explicit_indexed_ = false;
  std::map<std::pair<std::string, std::string>, size_t> explicit_;
  std::map<std::string, size_t, std::less<>> explicit_count_;
  // Every account name seen so far -> where: i >= 0 is accounts[i], -n is line n of the
  // accounts file. For duplicates across accounts[] and the accounts file.
  std::unordered_map<std::string, long> account_origin_;
  size_t file_issues_ = 0;
};

}  // namespace subkeeper::config::internal
