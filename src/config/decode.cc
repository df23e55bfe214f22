// Document tree -> Config. Type and shape problems are reported here, where the node (and so the
// line) is at hand; rules about values live in validate.cc.
#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <set>

#include "decoder.h"
#include "subkeeper/config/expand.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config::internal {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string UnknownKeyRule(std::string_view key, Keys allowed) {
  for (std::string_view candidate : allowed) {
    if (EditDistance(key, candidate) <= 2) {
      return "unknown key (did you mean '" + std::string(candidate) + "'?)";
    }
  }
  return "unknown key";
}

std::string StripTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string Join(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

std::string Index(const std::string& prefix, size_t i) {
  return prefix + "[" + std::to_string(i) + "]";
}

bool Decoder::Map(const Node& node, const std::string& path, Keys allowed) {
  Note(path, node);
  if (node.kind != Node::Kind::kMap) {
    Issue(path, node.line, "must be a mapping");
    return false;
  }
  std::set<std::string_view> seen;
  for (const auto& [key, value] : node.map) {
    std::string key_path = Join(path, key);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Issue(key_path, value.line, UnknownKeyRule(key, allowed));
    } else if (!seen.insert(key).second) {
      Issue(key_path, value.line, "duplicate key");
    }
  }
  return true;
}

bool Decoder::Seq(const Node& node, const std::string& path) {
  Note(path, node);
  if (node.kind == Node::Kind::kSeq) return true;
  Issue(path, node.line, "must be a list");
  return false;
}

std::optional<std::string> Decoder::Text(const Node& node, const std::string& path) {
  Note(path, node);
  const bool string_like =
      node.scalar_type == Node::ScalarType::kText || node.scalar_type == Node::ScalarType::kString;
  if (node.kind != Node::Kind::kScalar || !string_like) {
    Issue(path, node.line, "must be a string");
    return std::nullopt;
  }
  Result<std::string> expanded = ExpandEnv(node.scalar, options_.env);
  if (!expanded.ok()) {
    Issue(path, node.line, expanded.status().message());
    return std::nullopt;
  }
  return std::move(expanded).value();
}

std::optional<int64_t> Decoder::Integer(const Node& node, const std::string& path) {
  Note(path, node);
  if (node.kind != Node::Kind::kScalar || node.scalar_type == Node::ScalarType::kBool) {
    Issue(path, node.line, "must be an integer");
    return std::nullopt;
  }
  // Numbers may come from ${VAR} too, so they are expanded like strings before parsing.
  Result<std::string> text = ExpandEnv(node.scalar, options_.env);
  if (!text.ok()) {
    Issue(path, node.line, text.status().message());
    return std::nullopt;
  }
  int64_t value = 0;
  const std::string& s = text.value();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    Issue(path, node.line, "must be an integer");
    return std::nullopt;
  }
  return value;
}

void Decoder::Str(const Node& map, const std::string& prefix, std::string_view key,
                  std::string& out) {
  const Node* node = map.Find(key);
  if (node == nullptr || node->kind == Node::Kind::kNull) return;
  if (auto text = Text(*node, Join(prefix, key))) out = std::move(*text);
}

void Decoder::Int(const Node& map, const std::string& prefix, std::string_view key, int64_t& out) {
  const Node* node = map.Find(key);
  if (node == nullptr || node->kind == Node::Kind::kNull) return;
  if (auto value = Integer(*node, Join(prefix, key))) out = *value;
}

void Decoder::SmallInt(const Node& map, const std::string& prefix, std::string_view key, int& out) {
  int64_t wide = out;
  Int(map, prefix, key, wide);
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    Issue(Join(prefix, key), map.Find(key)->line, "is out of range");
    return;
  }
  out = static_cast<int>(wide);
}

void Decoder::SecretValue(const Node& map, const std::string& prefix, std::string_view key,
                          Secret& out) {
  const std::string path = Join(prefix, key);
  const std::string file_key = std::string(key) + "_file";
  const Node* inline_node = map.Find(key);
  const Node* file_node = map.Find(file_key);
  if (inline_node != nullptr && file_node != nullptr) {
    Issue(path, inline_node->line,
          "give either " + std::string(key) + " or " + file_key + ", not both");
    return;
  }
  if (inline_node != nullptr && inline_node->kind != Node::Kind::kNull) {
    if (auto text = Text(*inline_node, path)) out = Secret(std::move(*text));
    return;
  }
  if (file_node == nullptr || file_node->kind == Node::Kind::kNull) return;
  const std::string file_path = Join(prefix, file_key);
  auto secret_path = Text(*file_node, file_path);
  Note(path, *file_node);
  if (!secret_path) return;
  Result<std::string> content = options_.read(*secret_path);
  if (!content.ok()) {
    Issue(file_path, file_node->line,
          "cannot read '" + *secret_path + "': " + content.status().message());
    out_.source.reported.insert(path);
    return;
  }
  out = Secret(StripTrailingNewlines(std::move(content).value()));
}

}  // namespace subkeeper::config::internal
