#include "node.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <istream>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <streambuf>

#include "subkeeper/common/text.h"
#include "subkeeper/config/limits.h"

namespace subkeeper::config::internal {
namespace {

// An input stream buffer over text held elsewhere: the parser reads it without a copy.
class ViewBuf final : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// Builds the tree from the parser's events instead of from a YAML::Node: no second tree of the
// whole document is held, the depth is checked before the parser recurses any deeper (it throws
// out of the parser), and aliases are expanded here, within a budget, instead of being shared
// nodes that the decoder would walk (and copy) once per reference.
class TreeBuilder final : public YAML::EventHandler {
 public:
  // Thrown out of the parser to stop it; `line` is 1-based.
  struct Refused {
    int line;
    std::string rule;
  };

  Node Take() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node n;
    n.line = mark.line + 1;
    Complete(std::move(n), Cost{1, 0}, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // The parser itself refuses an unknown anchor: this is an alias inside its own anchor.
      throw Refused{mark.line + 1, "alias refers to a node that contains it"};
    }
    const Cost cost = it->second.cost;
    alias_nodes_ += cost.nodes;
    alias_bytes_ += cost.bytes;
    if (alias_nodes_ > kMaxAliasNodes || alias_bytes_ > kMaxAliasBytes) {
      throw Refused{mark.line + 1, "YAML aliases expand to more than " +
                                       std::to_string(kMaxAliasNodes) + " nodes or " +
                                       DescribeBytes(kMaxAliasBytes) + " of text"};
    }
    Complete(Node(it->second.node), cost, YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    Node n;
    n.line = mark.line + 1;
    n.kind = Node::Kind::kScalar;
    n.scalar = value;
    Complete(std::move(n), Cost{1, value.size()}, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, Node::Kind::kSeq, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, Node::Kind::kMap, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Cost {
    size_t nodes = 0;
    size_t bytes = 0;
  };
  struct Frame {
    Node node;
    Cost cost{1, 0};
    YAML::anchor_t anchor = YAML::NullAnchor;
    bool has_key = false;  // a map's key is waiting for its value
    std::string key;
    int key_line = 0;
  };
  struct Anchored {
    Node node;
    Cost cost;
  };

  void Open(const YAML::Mark& mark, Node::Kind kind, YAML::anchor_t anchor) {
    if (static_cast<int>(open_.size()) >= kMaxNestingDepth) {
      throw Refused{mark.line + 1,
                    "nesting is deeper than " + std::to_string(kMaxNestingDepth) + " levels"};
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.line = mark.line + 1;
    frame.anchor = anchor;
    open_.push_back(std::move(frame));
  }

  void Close() {
    Frame frame = std::move(open_.back());
    open_.pop_back();
    Complete(std::move(frame.node), frame.cost, frame.anchor);
  }

  // A finished node goes into the collection being built, or is the document.
  void Complete(Node n, Cost cost, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{n, cost};
    if (open_.empty()) {
      root_ = std::move(n);
      return;
    }
    Frame& parent = open_.back();
    parent.cost.nodes += cost.nodes;
    parent.cost.bytes += cost.bytes;
    if (parent.node.kind == Node::Kind::kSeq) {
      parent.node.seq.push_back(std::move(n));
    } else if (!parent.has_key) {
      // A non-scalar key has no name to check against the schema; it is reported as unknown.
      parent.key = n.kind == Node::Kind::kScalar ? std::move(n.scalar) : "<complex key>";
      parent.key_line = n.line;
      parent.has_key = true;
    } else {
      // Messages about a key point at the key: a block value starts on a later line, and an
      // empty value ("key:") has no position of its own.
      n.line = parent.key_line;
      parent.node.map.emplace_back(std::move(parent.key), std::move(n));
      parent.has_key = false;
    }
  }

  std::vector<Frame> open_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  size_t alias_nodes_ = 0;
  size_t alias_bytes_ = 0;
  Node root_;
};

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
    ViewBuf buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    TreeBuilder builder;
    parser.HandleNextDocument(builder);
    return builder.Take();
  } catch (const TreeBuilder::Refused& refused) {
    return Status::InvalidArgument(source + ":" + std::to_string(refused.line) + ": " +
                                   refused.rule);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) +
                                   ": YAML syntax error: " + Printable(e.msg));
  } catch (const std::bad_alloc&) {
    return Status::InvalidArgument(source + ": out of memory while parsing");
  }
}

size_t FindTooDeep(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

Result<Node> ParseJsonTree(std::string_view text, const std::string& source) {
  // nlohmann's parser keeps its own stack, but the tree it builds is walked recursively (here and
  // when it is freed): the depth is checked on the text first.
  if (const size_t at = FindTooDeep(text, kMaxNestingDepth); at != std::string_view::npos) {
    return Status::InvalidArgument(source + ":" + std::to_string(LineOfByte(text, at)) +
                                   ": nesting is deeper than " + std::to_string(kMaxNestingDepth) +
                                   " levels (at byte " + std::to_string(at + 1) + ")");
  }
  try {
    return FromJson(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    return Status::InvalidArgument(source + ":" + std::to_string(LineOfByte(text, at)) +
                                   ": JSON syntax error at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(source + ": JSON error (id " + std::to_string(e.id) + ")");
  } catch (const std::bad_alloc&) {
    return Status::InvalidArgument(source + ": out of memory while parsing");
  }
}

}  // namespace subkeeper::config::internal
