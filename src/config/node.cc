#include "node.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "subkeeper/common/text.h"

namespace subkeeper::config::internal {
namespace {

Node FromYaml(const YAML::Node& y) {
  Node n;
  n.line = y.Mark().line + 1;
  switch (y.Type()) {
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::kScalar;
      n.scalar = y.Scalar();
      break;
    case YAML::NodeType::Sequence:
      n.kind = Node::Kind::kSeq;
      for (const auto& item : y) n.seq.push_back(FromYaml(item));
      break;
    case YAML::NodeType::Map:
      n.kind = Node::Kind::kMap;
      for (const auto& kv : y) {
        // A non-scalar key has no name to check against the schema; it is reported as unknown.
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "<complex key>";
        Node value = FromYaml(kv.second);
        // Messages about a key point at the key: a block value starts on a later line, and an
        // empty value ("key:") has no position of its own.
        value.line = kv.first.Mark().line + 1;
        n.map.emplace_back(std::move(key), std::move(value));
      }
      break;
    default:
      n.kind = Node::Kind::kNull;
  }
  return n;
}

Node FromJson(const nlohmann::json& j) {
  Node n;
  if (j.is_object()) {
    n.kind = Node::Kind::kMap;
    for (const auto& [key, value] : j.items()) n.map.emplace_back(key, FromJson(value));
  } else if (j.is_array()) {
    n.kind = Node::Kind::kSeq;
    for (const auto& item : j) n.seq.push_back(FromJson(item));
  } else if (!j.is_null()) {
    n.kind = Node::Kind::kScalar;
    if (j.is_string()) {
      n.scalar_type = Node::ScalarType::kString;
      n.scalar = j.get<std::string>();
    } else {
      n.scalar_type = j.is_boolean() ? Node::ScalarType::kBool : Node::ScalarType::kNumber;
      n.scalar = j.dump();
    }
  }
  return n;
}

int LineOfByte(std::string_view text, size_t byte) {
  byte = std::min(byte, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(byte), '\n'));
}

}  // namespace

Node::Node() = default;
Node::~Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;

const Node* Node::Find(std::string_view key) const {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<Node> ParseYamlTree(std::string_view text, const std::string& source) {
  try {
    return FromYaml(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) +
                                   ": YAML syntax error: " + Printable(e.msg));
  }
}

Result<Node> ParseJsonTree(std::string_view text, const std::string& source) {
  try {
    return FromJson(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    return Status::InvalidArgument(source + ":" + std::to_string(LineOfByte(text, at)) +
                                   ": JSON syntax error at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(source + ": JSON error (id " + std::to_string(e.id) + ")");
  }
}

}  // namespace subkeeper::config::internal
