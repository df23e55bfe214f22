// A format-neutral document tree, so that YAML and JSON share one decoder. Internal to the
// config module.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subkeeper/common/status.h"

namespace subkeeper::config::internal {

struct Node {
  enum class Kind { kNull, kScalar, kMap, kSeq };
  // What the source said about a scalar. YAML scalars are untyped text (kText); JSON keeps its
  // types so that `"expires_in": "60"` and `"name": 5` can be told apart from the right thing.
  enum class ScalarType { kText, kString, kNumber, kBool };

  // Out of line: clang 14 with libstdc++ 12 cannot instantiate the implicit members while the
  // map's std::pair<std::string, Node> still names an incomplete Node.
  Node();
  ~Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;

  Kind kind = Kind::kNull;
  ScalarType scalar_type = ScalarType::kText;
  std::string scalar;  // the scalar's text (JSON numbers and booleans as written by dump())
  // 1-based source line: of the key for a map value, of the item for a sequence item. 0 for JSON.
  int line = 0;
  std::vector<std::pair<std::string, Node>> map;  // in source order, duplicates kept
  std::vector<Node> seq;

  // The value of `key` in a map, or nullptr (also when this is not a map).
  const Node* Find(std::string_view key) const;
};

// Parses YAML (the first document). Syntax errors: kInvalidArgument "SOURCE:LINE: YAML syntax
// error: <what the parser said>". Refused (kInvalidArgument "SOURCE:LINE: <rule>"): nesting
// deeper than kMaxNestingDepth, aliases expanding past kMaxAliasNodes / kMaxAliasBytes, an
// alias inside its own anchor. Aliases are expanded: the tree holds copies.
Result<Node> ParseYamlTree(std::string_view text, const std::string& source);

// The byte offset of the first '[' or '{' outside a string that opens a level deeper than
// `max_depth`, or npos. Not a validator: what it passes, the parser still checks.
size_t FindTooDeep(std::string_view json, int max_depth);

// Parses JSON. Nesting deeper than kMaxNestingDepth: kInvalidArgument "SOURCE:LINE: nesting is
// deeper than 64 levels (at byte N)". Syntax errors: kInvalidArgument "SOURCE:LINE: JSON syntax
// error at byte N". The parser's own text is not used because it quotes the offending input, which
// may be a secret.
Result<Node> ParseJsonTree(std::string_view text, const std::string& source);

}  // namespace subkeeper::config::internal
