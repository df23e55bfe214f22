#include "support/config_schema.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "support/js_client.h"

namespace subkeeper::testing {

SchemaRun ValidateWithSchema(const std::vector<std::string>& files, const std::string& schema) {
  const std::string missing = JsClientsMissing();
  INFO(missing);
  REQUIRE(missing.empty());
  std::vector<std::string> args;
  if (!schema.empty()) args = {"--schema", schema};
  if (files.empty()) args.push_back("--compile-only");
  args.insert(args.end(), files.begin(), files.end());
  const NodeResult node = RunNodeScript("validate_config.mjs", args);
  SchemaRun run;
  run.exit_code = node.exit_code;
  run.err = node.err;
  std::istringstream lines(node.out);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json result = nlohmann::json::parse(line);
    run.results[result["file"].get<std::string>()] = result;
  }
  INFO("validate_config.mjs exit " << node.exit_code << ": " << node.err);
  if (run.exit_code != 2) REQUIRE(run.results.size() == files.size());
  return run;
}

std::string PointerOf(const std::string& key_path) {
  std::string out;
  std::string token;
  auto flush = [&] {
    out += '/';
    for (char c : token) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
    token.clear();
  };
  for (size_t i = 0; i < key_path.size(); ++i) {
    const char c = key_path[i];
    if (c == '.') {
      flush();
    } else if (c == '[') {
      flush();
      const size_t close = key_path.find(']', i);
      token = key_path.substr(i + 1, close - i - 1);
      flush();
      i = close;
      if (i + 1 < key_path.size() && key_path[i + 1] == '.') ++i;
    } else {
      token += c;
    }
  }
  if (!token.empty() || out.empty()) flush();
  return key_path.empty() ? "" : out;
}

bool ErrorConcerns(const nlohmann::json& error, const std::string& pointer) {
  const auto found = error.find("instancePath");
  const std::string at = found != error.end() ? found->get<std::string>() : "";
  return pointer == at || pointer.starts_with(at + "/");
}

std::string SourcePath(const std::string& relative) {
  return std::string(SUBKEEPER_SOURCE_DIR) + "/" + relative;
}

}  // namespace subkeeper::testing
