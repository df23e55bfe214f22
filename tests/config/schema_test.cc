// schema/config.schema.json against the three other places that describe the config: the
// README's configuration table (same keys, same defaults), the decoder (accepts every key of
// the schema and rejects what the schema rejects) and the example configs (valid against it).
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "config/test_util.h"

namespace subkeeper::config {
namespace {

using nlohmann::json;

const std::string kRoot = SUBKEEPER_SOURCE_DIR;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const json& Schema() {
  static const json schema = json::parse(ReadText(kRoot + "/schema/config.schema.json"));
  return schema;
}

const json& Resolve(const json& node) {
  if (!node.contains("$ref")) return node;
  const std::string ref = node["$ref"];
  REQUIRE(ref.starts_with("#/$defs/"));
  return Schema()["$defs"][ref.substr(8)];
}

// The schema's keys as the README writes them: "listen.webhooks", "accounts[].jwt",
// "templates.<name>", "log.modules.<module>". Each maps to its property schema.
void Flatten(const json& node, const std::string& prefix, std::map<std::string, json>& out) {
  const json& schema = Resolve(node);
  if (schema.value("type", "") == "array" && schema["items"].contains("$ref")) {
    Flatten(schema["items"], prefix + "[]", out);
    return;
  }
  if (schema.value("type", "") != "object") {
    out[prefix] = schema;
    return;
  }
  if (schema.contains("propertyNames")) {  // templates: a map of names to lists
    out[prefix + ".<name>"] = schema;
    return;
  }
  if (prefix == "log.modules") {
    out[prefix + ".<module>"] = schema;
    return;
  }
  for (const auto& [key, child] : schema["properties"].items()) {
    Flatten(child, prefix.empty() ? key : prefix + "." + key, out);
  }
}

std::map<std::string, json> SchemaKeys() {
  std::map<std::string, json> keys;
  Flatten(Schema(), "", keys);
  return keys;
}

struct ReadmeRow {
  std::vector<std::string> keys;
  std::vector<std::string> defaults;  // one per key when the row gives "`a` / `b`", else one
};

// The rows of the table under "## Configuration". A key cell like "`platform.client_secret` /
// `_file`" names platform.client_secret and platform.client_secret_file; "`renewal.min_backoff`
// / `max_backoff`" names two siblings.
std::vector<ReadmeRow> ReadmeRows() {
  const std::string readme = ReadText(kRoot + "/README.md");
  const size_t section = readme.find("\n## Configuration\n");
  REQUIRE(section != std::string::npos);
  const size_t end = readme.find("\n## ", section + 1);
  std::istringstream lines(readme.substr(section, end - section));
  std::vector<ReadmeRow> rows;
  const std::regex code("`([^`]*)`");
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("| `")) continue;
    const size_t key_end = line.find(" | ", 2);
    const size_t default_end = line.find(" | ", key_end + 3);
    const std::string key_cell = line.substr(2, key_end - 2);
    const std::string default_cell = line.substr(key_end + 3, default_end - key_end - 3);
    ReadmeRow row;
    std::string previous;
    for (auto it = std::sregex_iterator(key_cell.begin(), key_cell.end(), code);
         it != std::sregex_iterator(); ++it) {
      std::string key = (*it)[1];
      if (key.starts_with("_")) {
        key = previous + key;
      } else if (key.find('.') == std::string::npos && !previous.empty() &&
                 previous.find('.') != std::string::npos) {
        key = previous.substr(0, previous.rfind('.') + 1) + key;
      }
      row.keys.push_back(key);
      previous = key;
    }
    if (default_cell.find(" / ") != std::string::npos && row.keys.size() == 2) {
      const size_t slash = default_cell.find(" / ");
      row.defaults = {default_cell.substr(0, slash), default_cell.substr(slash + 3)};
    } else {
      row.defaults.assign(row.keys.size(), default_cell);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string Unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '`' && text.back() == '`')
    return text.substr(1, text.size() - 2);
  return text;
}

// ---- A validator for exactly the JSON Schema keywords config.schema.json uses ----

const std::set<std::string> kKnownKeywords = {"$schema",  "$id",        "$defs",
                                              "$ref",     "title",      "description",
                                              "type",     "properties", "additionalProperties",
                                              "required", "items",      "minItems",
                                              "enum",     "pattern",    "minimum",
                                              "maximum",  "minLength",  "default",
                                              "format",   "writeOnly",  "propertyNames",
                                              "allOf",    "not",        "dependentRequired"};

void Validate(const json& value, const json& node, const std::string& path,
              std::vector<std::string>& errors) {
  const json& schema = Resolve(node);
  for (const auto& [keyword, unused] : schema.items()) {
    // A keyword this validator does not implement would pass silently: refuse it instead.
    if (!kKnownKeywords.contains(keyword)) FAIL("schema keyword not implemented: " << keyword);
  }
  auto error = [&](const std::string& what) { errors.push_back(path + ": " + what); };
  const std::string type = schema.value("type", "");
  if (type == "object" && !value.is_object()) return error("must be an object");
  if (type == "array" && !value.is_array()) return error("must be an array");
  if (type == "string" && !value.is_string()) return error("must be a string");
  if (type == "integer" && !value.is_number_integer()) return error("must be an integer");
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    error("not one of " + schema["enum"].dump());
  }
  if (value.is_string()) {
    const std::string text = value;
    if (schema.contains("pattern") &&
        !std::regex_search(text, std::regex(schema["pattern"].get<std::string>()))) {
      error("does not match " + schema["pattern"].get<std::string>());
    }
    if (schema.contains("minLength") && text.size() < schema["minLength"].get<size_t>()) {
      error("too short");
    }
  }
  if (value.is_number()) {
    if (schema.contains("minimum") && value < schema["minimum"]) error("below minimum");
    if (schema.contains("maximum") && value > schema["maximum"]) error("above maximum");
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
      error("too few items");
    }
    for (size_t i = 0; i < value.size() && schema.contains("items"); ++i) {
      Validate(value[i], schema["items"], path + "[" + std::to_string(i) + "]", errors);
    }
  }
  if (value.is_object()) {
    const json required = schema.value("required", json::array());
    for (const auto& key : required) {
      if (!value.contains(key.get<std::string>())) error("missing " + key.get<std::string>());
    }
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = path.empty() ? key : path + "." + key;
      if (schema.contains("propertyNames"))
        Validate(key, schema["propertyNames"], child_path, errors);
      if (schema.contains("properties") && schema["properties"].contains(key)) {
        Validate(child, schema["properties"][key], child_path, errors);
      } else if (schema.contains("additionalProperties")) {
        const json& extra = schema["additionalProperties"];
        if (extra.is_boolean() && !extra.get<bool>()) {
          errors.push_back(child_path + ": unknown key");
        } else if (extra.is_object()) {
          Validate(child, extra, child_path, errors);
        }
      }
    }
    const json dependent = schema.value("dependentRequired", json::object());
    for (const auto& [key, needs] : dependent.items()) {
      if (!value.contains(key)) continue;
      for (const auto& other : needs) {
        if (!value.contains(other.get<std::string>())) error(key + " needs " + other.dump());
      }
    }
  }
  const json all_of = schema.value("allOf", json::array());
  for (const auto& part : all_of) Validate(value, part, path, errors);
  if (schema.contains("not")) {
    std::vector<std::string> inner;
    Validate(value, schema["not"], path, inner);
    if (inner.empty()) error("matches what is forbidden: " + schema["not"].dump());
  }
}

std::vector<std::string> ValidateAgainstSchema(const json& value) {
  std::vector<std::string> errors;
  Validate(value, Schema(), "", errors);
  return errors;
}

// YAML to JSON the way the decoder types scalars: integers and booleans as such, the rest text.
json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = ToJson(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() != "!" && std::regex_match(text, std::regex("-?[0-9]+"))) {
        return std::stoll(text);
      }
      if (node.Tag() != "!" && (text == "true" || text == "false")) return text == "true";
      return text;
    }
    default:
      return nullptr;
  }
}

// A value of the right type for a leaf of the schema.
json Sample(const json& node) {
  const json& schema = Resolve(node);
  if (schema.contains("default")) return schema["default"];
  if (schema.contains("enum")) return schema["enum"][0];
  const std::string type = schema.value("type", "");
  if (type == "integer") return schema.value("minimum", 1);
  if (type == "array") return json::array({Sample(schema["items"])});
  if (schema.contains("pattern")) return "a";
  if (schema.value("format", "") == "uri") return "https://example.com/x";
  return "x";
}

// A document with every key the schema has (both forms of each secret: only unknown keys are
// looked at).
json Everything(const json& node) {
  const json& schema = Resolve(node);
  if (schema.value("type", "") == "array" && schema["items"].contains("$ref")) {
    return json::array({Everything(schema["items"])});
  }
  if (schema.value("type", "") != "object") return Sample(schema);
  json out = json::object();
  if (schema.contains("propertyNames")) {
    out["std"] = Everything(schema["additionalProperties"]);
    return out;
  }
  for (const auto& [key, child] : schema["properties"].items()) out[key] = Everything(child);
  return out;
}

// The issues of loading `document` (as JSON), one per line.
std::string IssuesOf(const json& document) {
  testing::FakeWorld world;
  Result<Config> loaded = ParseConfig(document.dump(), "all.json", /*json=*/true, world.Options());
  return loaded.ok() ? "" : loaded.status().message();
}

}  // namespace

TEST_CASE("The README configuration table lists exactly the schema's keys", "[config]") {
  std::set<std::string> schema_keys;
  for (const auto& [key, unused] : SchemaKeys()) schema_keys.insert(key);
  std::set<std::string> readme_keys;
  for (const auto& row : ReadmeRows()) readme_keys.insert(row.keys.begin(), row.keys.end());
  for (const auto& key : schema_keys) {
    INFO("in the schema, not in the README table: " << key);
    CHECK(readme_keys.contains(key));
  }
  for (const auto& key : readme_keys) {
    INFO("in the README table, not in the schema: " << key);
    CHECK(schema_keys.contains(key));
  }
  CHECK(schema_keys.size() > 50);
}

TEST_CASE("The README defaults are the schema defaults", "[config]") {
  const auto keys = SchemaKeys();
  int compared = 0;
  for (const auto& row : ReadmeRows()) {
    for (size_t i = 0; i < row.keys.size(); ++i) {
      auto it = keys.find(row.keys[i]);
      if (it == keys.end() || !it->second.contains("default")) continue;
      const json& value = it->second["default"];
      const std::string expected = value.is_string() ? value.get<std::string>() : value.dump();
      INFO(row.keys[i]);
      CHECK(Unquote(row.defaults[i]) == expected);
      ++compared;
    }
  }
  CHECK(compared >= 25);
}

TEST_CASE("The decoder accepts every key of the schema", "[config]") {
  const json all = Everything(Schema());
  const std::string issues = IssuesOf(all);
  INFO(issues);
  CHECK(issues.find("unknown key") == std::string::npos);
}

TEST_CASE("Where the schema forbids other keys the decoder does too", "[config]") {
  const json all = Everything(Schema());
  // Every object of the document that the schema closes with additionalProperties: false.
  std::vector<json::json_pointer> closed;
  std::function<void(const json&, const json&, const json::json_pointer&)> walk =
      [&](const json& value, const json& node, const json::json_pointer& at) {
        const json& schema = Resolve(node);
        if (value.is_array()) {
          if (!schema.contains("items")) return;
          for (size_t i = 0; i < value.size(); ++i) walk(value[i], schema["items"], at / i);
          return;
        }
        if (!value.is_object()) return;
        if (schema.value("additionalProperties", json(true)) == json(false)) closed.push_back(at);
        for (const auto& [key, child] : value.items()) {
          if (schema.contains("properties") && schema["properties"].contains(key)) {
            walk(child, schema["properties"][key], at / key);
          } else if (schema.contains("additionalProperties") &&
                     schema["additionalProperties"].is_object()) {
            walk(child, schema["additionalProperties"], at / key);
          }
        }
      };
  walk(all, Schema(), json::json_pointer(""));
  CHECK(closed.size() >= 12);
  for (const auto& at : closed) {
    json bogus = all;
    bogus[at]["bogus_key"] = 1;
    INFO("at " << at.to_string());
    CHECK(IssuesOf(bogus).find("bogus_key: unknown key") != std::string::npos);
    CHECK_FALSE(ValidateAgainstSchema(bogus).empty());
  }
}

TEST_CASE("The example configs are valid against the schema", "[config]") {
  for (const char* name : {"subkeeper.yaml", "demo.yaml", "fleet.yaml"}) {
    const json document = ToJson(YAML::LoadFile(kRoot + "/examples/" + name));
    const auto errors = ValidateAgainstSchema(document);
    INFO(name << ": " << json(errors).dump());
    CHECK(errors.empty());
  }
  const json compose = ToJson(YAML::LoadFile(kRoot + "/docker/compose/subkeeper.yaml"));
  CHECK(ValidateAgainstSchema(compose).empty());
  // The validator is not a rubber stamp.
  json broken = ToJson(YAML::LoadFile(kRoot + "/examples/demo.yaml"));
  broken["server"] = {{"threads", 0}};
  broken["log"] = {{"format", "xml"}};
  broken["platform"]["client_secret_file"] = "/s";
  CHECK(ValidateAgainstSchema(broken).size() == 3);
}

TEST_CASE("Each line of the accounts file is an accounts entry of the schema", "[config]") {
  std::istringstream lines(ReadText(kRoot + "/examples/fleet-accounts.jsonl"));
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("#")) continue;
    std::vector<std::string> errors;
    Validate(json::parse(line), Schema()["$defs"]["account"], "line", errors);
    INFO(line << " " << json(errors).dump());
    CHECK(errors.empty());
    ++checked;
  }
  CHECK(checked >= 1);
}

}  // namespace subkeeper::config
