// schema/config.schema.json, checked by ajv (tests/js/validate_config.mjs: strict draft 2020-12,
// https://ajv.js.org/strict-mode.html), against the other places that describe the config: the
// README's configuration table (same keys, same defaults), the decoder (accepts every key of the
// schema, rejects unknown keys where the schema does), the example configs (valid against it)
// and the loader's ${VAR} expansion (placeholders it accepts, the schema accepts).
// tests/scenarios/config_corpus_test.cc holds the invalid configs, run through both.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "config/test_util.h"
#include "subkeeper/common/crypto.h"
#include "support/config_schema.h"

namespace subkeeper::config {
namespace {

using nlohmann::json;
using subkeeper::testing::SchemaRun;
using subkeeper::testing::ValidateWithSchema;

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

// The "type" of a schema node, "" when it has none. (json::value trips GCC 12's
// -Wnull-dereference in this file.)
std::string TypeOf(const json& schema) {
  const auto type = schema.find("type");
  return type != schema.end() && type->is_string() ? type->get<std::string>() : "";
}

// A bare {"$ref": ...} is its target; a node with a type of its own and a $ref beside it (a
// string that must also be well formed) keeps its own keywords (default, description).
const json& Resolve(const json& node) {
  if (!node.contains("$ref") || node.contains("type")) return node;
  const std::string ref = node["$ref"];
  REQUIRE(ref.starts_with("#/$defs/"));
  return Schema()["$defs"][ref.substr(8)];
}

// The schema's keys as the README writes them: "listen.webhooks", "accounts[].jwt",
// "templates.<name>", "log.modules.<module>". Each maps to its property schema.
void Flatten(const json& node, const std::string& prefix, std::map<std::string, json>& out) {
  const json& schema = Resolve(node);
  if (TypeOf(schema) == "array" && TypeOf(Resolve(schema["items"])) == "object") {
    Flatten(schema["items"], prefix + "[]", out);
    return;
  }
  if (TypeOf(schema) != "object") {
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

// A value for a leaf of the schema (of its first alternative); only keys are looked at.
json Sample(const json& node) {
  const json& schema = Resolve(node);
  if (schema.contains("default")) return schema["default"];
  if (schema.contains("anyOf")) return Sample(schema["anyOf"][0]);
  if (schema.contains("enum")) return schema["enum"][0];
  const std::string type = TypeOf(schema);
  if (type == "integer") {
    const auto minimum = schema.find("minimum");
    return minimum != schema.end() ? *minimum : json(1);
  }
  if (type == "array") return json::array({Sample(schema["items"])});
  return "x";
}

// A document with every key the schema has (both forms of each secret: only unknown keys are
// looked at).
json Everything(const json& node) {
  const json& schema = Resolve(node);
  if (TypeOf(schema) == "array" && schema["items"].contains("$ref")) {
    return json::array({Everything(schema["items"])});
  }
  if (TypeOf(schema) != "object") return Sample(schema);
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

// A directory for generated files, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/subkeeper-schema-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `name` in the directory; returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = path_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

 private:
  std::string path_;
};

// A small valid config, as JSON, to vary.
json Minimal() {
  return {{"platform", {{"client_id", "c"}, {"client_secret", "s"}}},
          {"webhook_secret", "w"},
          {"accounts", json::array({{{"name", "acme"}, {"jwt", "j"}}})}};
}

json Relayed(const std::string& deliver_to) {
  json doc = Minimal();
  doc["subscriptions"] = json::array({{{"name", "sms"},
                                       {"account", "acme"},
                                       {"event_filters", json::array({"/restapi/v1.0/x"})},
                                       {"deliver_to", deliver_to}}});
  return doc;
}

// "whsec_" + base64 of `n` bytes.
std::string Whsec(size_t n) { return "whsec_" + Base64Encode(std::string(n, '\x5a')); }

// Validates each named document; returns name -> valid.
std::map<std::string, bool> ValidityOf(const std::map<std::string, json>& docs) {
  TempDir dir;
  std::vector<std::string> files;
  std::map<std::string, std::string> name_of;
  for (const auto& [name, doc] : docs) {
    files.push_back(dir.Write(name + ".json", doc.dump()));
    name_of[files.back()] = name;
  }
  const SchemaRun run = ValidateWithSchema(files);
  std::map<std::string, bool> out;
  for (const auto& [file, result] : run.results) {
    INFO(name_of[file] << ": " << result.dump());
    CHECK_FALSE(result.contains("parseError"));
    out[name_of[file]] = result["valid"].get<bool>();
  }
  return out;
}

}  // namespace

TEST_CASE("The schema compiles in ajv's strict draft 2020-12 mode", "[config][schema]") {
  const SchemaRun run = ValidateWithSchema({});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(Schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema");
}

TEST_CASE("validate_config.mjs is strict and checks formats", "[config][schema]") {
  TempDir dir;
  // ajv's strictRequired refuses "required" naming a property no "properties" defines: the
  // mistake the old schema made 12 times.
  const std::string loose =
      dir.Write("loose.json",
                R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
          "properties": {"a": {"type": "string"}}, "not": {"required": ["a", "b"]}})");
  const SchemaRun refused = ValidateWithSchema({}, loose);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("strictRequired"));
  const std::string uri =
      dir.Write("uri.json",
                R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string",
          "format": "uri"})");
  const std::string bad = dir.Write("bad.json", R"("not a uri")");
  const std::string good = dir.Write("good.json", R"("https://example.com/x")");
  const SchemaRun formats = ValidateWithSchema({bad, good}, uri);
  CHECK(formats.exit_code == 1);
  CHECK_FALSE(formats.results.at(bad)["valid"].get<bool>());
  CHECK(formats.results.at(good)["valid"].get<bool>());
}

TEST_CASE("The README configuration table lists exactly the schema's keys", "[config][schema]") {
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

TEST_CASE("The README defaults are the schema defaults", "[config][schema]") {
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

TEST_CASE("The decoder accepts every key of the schema", "[config][schema]") {
  const json all = Everything(Schema());
  const std::string issues = IssuesOf(all);
  INFO(issues);
  CHECK(issues.find("unknown key") == std::string::npos);
}

TEST_CASE("Where the schema forbids other keys the decoder does too", "[config][schema]") {
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
        const auto extra = schema.find("additionalProperties");
        if (extra != schema.end() && *extra == json(false)) closed.push_back(at);
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
  CHECK(closed.size() >= 13);
  TempDir dir;
  std::vector<std::string> files;
  for (const auto& at : closed) {
    json bogus = all;
    bogus[at]["bogus_key"] = 1;
    files.push_back(dir.Write(std::to_string(files.size()) + ".json", bogus.dump()));
    INFO("at " << at.to_string());
    CHECK(IssuesOf(bogus).find("bogus_key: unknown key") != std::string::npos);
  }
  const SchemaRun run = ValidateWithSchema(files);
  for (size_t i = 0; i < closed.size(); ++i) {
    const json& result = run.results.at(files[i]);
    INFO("at " << closed[i].to_string() << ": " << result.dump());
    CHECK_FALSE(result["valid"].get<bool>());
    bool named = false;
    for (const auto& error : result["errors"]) {
      named |= error["keyword"] == "additionalProperties" &&
               error["instancePath"] == closed[i].to_string();
    }
    CHECK(named);
  }
}

TEST_CASE("Every config the repository ships is valid against the schema", "[config][schema]") {
  std::vector<std::string> files;
  for (const char* dir : {"examples", "docker/compose"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(subkeeper::testing::SourcePath(dir))) {
      const std::string ext = entry.path().extension();
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 4);
  const SchemaRun run = ValidateWithSchema(files);
  for (const auto& [file, result] : run.results) {
    const std::string relative = file.substr(subkeeper::testing::SourcePath("").size());
    INFO(relative << ": " << result.dump());
    CHECK(result["valid"].get<bool>());
  }
}

TEST_CASE("Each line of the accounts file is an accounts entry of the schema", "[config][schema]") {
  std::istringstream lines(ReadText(kRoot + "/examples/fleet-accounts.jsonl"));
  std::map<std::string, json> docs;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("#")) continue;
    json doc = Minimal();
    doc["accounts"] = json::array({json::parse(line)});
    docs["line" + std::to_string(docs.size())] = doc;
  }
  CHECK(docs.size() >= 3);
  for (const auto& [name, valid] : ValidityOf(docs)) {
    INFO(name);
    CHECK(valid);
  }
}

TEST_CASE("The schema accepts ${VAR} wherever the loader expands it", "[config][schema]") {
  std::map<std::string, json> docs;
  json doc = Relayed("${APP_URL}/events");
  doc["public_url"] = "https://${HOST}";
  doc["listen"] = {{"webhooks", "${LISTEN}"}, {"admin", "127.0.0.1:${ADMIN_PORT}"}};
  doc["platform"]["server"] = "${RC_SERVER}";
  doc["platform"]["request_timeout_ms"] = "${TIMEOUT_MS}";
  doc["accounts"][0]["name"] = "${ACCOUNT}";
  doc["accounts"][0]["jwt"] = "${RC_JWT}";
  doc["subscriptions"][0]["account"] = "${ACCOUNT}";
  doc["subscriptions"][0]["expires_in"] = "${TTL}";
  doc["subscriptions"][0]["reminder"] = {{"threshold", "${THRESHOLD}"}, {"interval", 600}};
  doc["server"] = {{"threads", "${THREADS}"}};
  doc["relay"] = {{"signing_secret", "${SIGNING_SECRET}"}, {"max_age", "${MAX_AGE}"}};
  doc["log"] = {{"level", "${LOG_LEVEL}"}, {"format", "${LOG_FORMAT}"}};
  doc["metrics"] = {{"per_subscription", "${PER_SUBSCRIPTION}"}};
  docs["placeholders"] = doc;
  // $${ is a literal "${", any other $ is kept: plain strings, not placeholders.
  json literal = Minimal();
  literal["webhook_secret"] = "a$${NOT_A_VAR}b$$c$";
  docs["literal-dollars"] = literal;
  // A literal "${" in a URL is not a placeholder: the URL rule applies (and refuses it).
  docs["literal-in-url"] = Relayed("https://app$${X}.example.com/");
  docs["literal-in-url"]["relay"] = {{"signing_secret", Whsec(32)}};
  // Malformed placeholders are refused, as the loader refuses them.
  json bad_name = Minimal();
  bad_name["platform"]["client_id"] = "${1X}";
  docs["bad-name"] = bad_name;
  json unterminated = Minimal();
  unterminated["webhook_secret"] = "${SECRET";
  docs["unterminated"] = unterminated;
  json word = Minimal();
  word["server"] = {{"threads", "eight"}};
  docs["integer-word"] = word;

  const auto valid = ValidityOf(docs);
  CHECK(valid.at("placeholders"));
  CHECK(valid.at("literal-dollars"));
  CHECK_FALSE(valid.at("literal-in-url"));
  CHECK_FALSE(valid.at("bad-name"));
  CHECK_FALSE(valid.at("unterminated"));
  CHECK_FALSE(valid.at("integer-word"));
}

TEST_CASE("The schema reads URLs as libcurl does", "[config][schema]") {
  const std::map<std::string, bool> urls = {
      {"https://app.example.com/events?x=1", true},
      {"http://user:pw@app:3000/", true},
      {"http://[::1]:8080/x", true},
      {"HTTPS://App.Example.com:65535/a|b{c}", true},
      {"http://a_b-c.example:/x", true},
      {"http://app:0/", false},
      {"http://app:65536/", false},
      {"http://app/a b", false},
      {"http://app!x/", false},
      {"ftp://app/", false},
      {"app.example.com/x", false},
      {"https:///x", false},
      {"http://:80/", false},
      {"http://{account}.example.com/", false},
  };
  std::map<std::string, json> docs;
  for (const auto& [url, unused] : urls) {
    json doc = Relayed(url);
    doc["relay"] = {{"signing_secret", Whsec(32)}};
    docs[std::to_string(docs.size())] = doc;
  }
  const auto valid = ValidityOf(docs);
  size_t i = 0;
  for (const auto& [url, expected] : urls) {
    INFO(url);
    CHECK(valid.at(std::to_string(i++)) == expected);
  }
}

TEST_CASE("The schema reads {account} in template URLs as an account name", "[config][schema]") {
  auto with_template = [](const std::string& deliver_to) {
    json doc = Minimal();
    doc["templates"] = {{"standard", json::array({{{"name", "sms"},
                                                   {"event_filters", json::array({"/x"})},
                                                   {"deliver_to", deliver_to}}})}};
    return doc;
  };
  const auto valid = ValidityOf({{"host", with_template("https://{account}.example.com/e")},
                                 {"path", with_template("https://app.example.com/{account}/e")},
                                 {"other-braces", with_template("https://{tenant}.example.com/")},
                                 {"scheme", with_template("ftp://{account}.example.com/")}});
  CHECK(valid.at("host"));
  CHECK(valid.at("path"));
  CHECK_FALSE(valid.at("other-braces"));
  CHECK_FALSE(valid.at("scheme"));
}

TEST_CASE("The schema's signing secrets are Standard Webhooks secrets", "[config][schema]") {
  auto with_secret = [](const json& secret) {
    json doc = Relayed("https://app.example.com/events");
    doc["relay"] = {{"signing_secret", secret}};
    return doc;
  };
  std::string unpadded = Whsec(25);
  while (unpadded.ends_with('=')) unpadded.pop_back();
  // base64 of 25 bytes ends "xx==": the second x must have its low 4 bits zero to be canonical.
  std::string noncanonical = Whsec(25);
  noncanonical[noncanonical.size() - 3] = 'b';
  REQUIRE(noncanonical != Whsec(25));
  const auto valid = ValidityOf({
      {"24-bytes", with_secret(Whsec(24))},
      {"25-bytes", with_secret(Whsec(25))},
      {"26-bytes", with_secret(Whsec(26))},
      {"64-bytes", with_secret(Whsec(64))},
      {"variable", with_secret("${SIGNING_SECRET}")},
      {"list", with_secret(json::array({Whsec(32), "${NEXT_SECRET}"}))},
      {"list-of-8", with_secret(json::array({Whsec(32), Whsec(32), Whsec(32), Whsec(32),
                                             Whsec(32), Whsec(32), Whsec(32), Whsec(32)}))},
      {"file", [] {
         json doc = Relayed("https://app.example.com/events");
         doc["relay"] = {{"signing_secret_file", "/run/secrets/signing"}};
         return doc;
       }()},
      {"23-bytes", with_secret(Whsec(23))},
      {"65-bytes", with_secret(Whsec(65))},
      {"unpadded", with_secret(unpadded)},
      {"noncanonical", with_secret(noncanonical)},
      {"plain", with_secret("my-signing-secret")},
      {"list-of-9", with_secret(json::array({Whsec(32), Whsec(32), Whsec(32), Whsec(32),
                                             Whsec(32), Whsec(32), Whsec(32), Whsec(32),
                                             Whsec(32)}))},
      {"empty-list", with_secret(json::array())},
      {"both", [] {
         json doc = Relayed("https://app.example.com/events");
         doc["relay"] = {{"signing_secret", "${S}"}, {"signing_secret_file", "/s"}};
         return doc;
       }()},
      {"missing", Relayed("https://app.example.com/events")},
      {"direct-needs-none", [] {
         json doc = Relayed("https://app.example.com/events");
         doc["subscriptions"][0].erase("deliver_to");
         doc["subscriptions"][0]["address"] = "https://app.example.com/hook";
         return doc;
       }()},
  });
  for (const char* good : {"24-bytes", "25-bytes", "26-bytes", "64-bytes", "variable", "list",
                           "list-of-8", "file", "direct-needs-none"}) {
    INFO(good);
    CHECK(valid.at(good));
  }
  for (const char* bad : {"23-bytes", "65-bytes", "unpadded", "noncanonical", "plain", "list-of-9",
                          "empty-list", "both", "missing"}) {
    INFO(bad);
    CHECK_FALSE(valid.at(bad));
  }
}

TEST_CASE("The schema knows the warning level and the metrics section", "[config][schema]") {
  auto with = [](const json& extra) {
    json doc = Minimal();
    doc.update(extra);
    return doc;
  };
  const auto valid = ValidityOf({
      {"warning", with({{"log", {{"level", "warning"}, {"modules", {{"relay", "warning"}}}}}})},
      {"warn", with({{"log", {{"level", "warn"}}}})},
      {"loud", with({{"log", {{"level", "loud"}}}})},
      {"never", with({{"metrics", {{"per_subscription", "never"}}}})},
      {"sometimes", with({{"metrics", {{"per_subscription", "sometimes"}}}})},
      {"metrics-other-key", with({{"metrics", {{"path", "/metrics"}}}})},
  });
  CHECK(valid.at("warning"));
  CHECK(valid.at("warn"));
  CHECK(valid.at("never"));
  CHECK_FALSE(valid.at("loud"));
  CHECK_FALSE(valid.at("sometimes"));
  CHECK_FALSE(valid.at("metrics-other-key"));
}

}  // namespace subkeeper::config
