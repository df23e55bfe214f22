// The decoder behind internal::Decode. Split from decode.cc so that the section walkers
// (sections.cc) and the typed-value primitives (decode.cc) stay apart. Internal.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "internal.h"

namespace subkeeper::config::internal {

using Keys = std::initializer_list<std::string_view>;

std::string Join(const std::string& prefix, std::string_view key);
std::string Index(const std::string& prefix, size_t i);

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
  void Note(const std::string& path, const Node& node) { out_.source.lines[path] = node.line; }

  bool Map(const Node& node, const std::string& path, Keys allowed);
  bool Seq(const Node& node, const std::string& path);
  std::optional<std::string> Text(const Node& node, const std::string& path);
  std::optional<int64_t> Integer(const Node& node, const std::string& path);
  void Str(const Node& map, const std::string& prefix, std::string_view key, std::string& out);
  void Int(const Node& map, const std::string& prefix, std::string_view key, int64_t& out);
  void SmallInt(const Node& map, const std::string& prefix, std::string_view key, int& out);
  void SecretValue(const Node& map, const std::string& prefix, std::string_view key, Secret& out);

  void Listen(const Node& node);
  void Store(const Node& node);
  void Platform(const Node& node);
  void Accounts(const Node& node);
  void Subscriptions(const Node& node);
  void Subscription(const Node& node, const std::string& path, SubscriptionConfig& sub);
  void Filters(const Node& node, const std::string& path, std::vector<std::string>& out);
  void Reminder(const Node* node, const std::string& path, SubscriptionConfig& sub);
  void Renewal(const Node& node);
  void Server(const Node& node);
  void Relay(const Node& node);

  const LoadOptions& options_;
  Decoded out_;
};

}  // namespace subkeeper::config::internal
