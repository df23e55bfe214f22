// The JSON Schema of the config (schema/config.schema.json) checked by a validator we did not
// write: tests/js/validate_config.mjs runs ajv 8 in strict draft 2020-12 mode.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace subkeeper::testing {

struct SchemaRun {
  int exit_code = -1;  // 0 all valid, 1 some invalid, 2 the schema does not compile strictly
  std::string err;     // the script's stderr (ajv's compile errors)
  // File -> {"valid": bool, "errors": [{instancePath, schemaPath, keyword, message}],
  // "parseError": "..." when the file is not YAML/JSON}.
  std::map<std::string, nlohmann::json> results;
};

// Validates `files` (YAML, or JSON when the name ends in .json) against the repository's schema,
// or against `schema` when given. Fails the test (never skips) when Node.js or tests/js is
// missing.
SchemaRun ValidateWithSchema(const std::vector<std::string>& files, const std::string& schema = "");

// The JSON Pointer of a loader key path: "subscriptions[0].deliver_to" ->
// "/subscriptions/0/deliver_to".
std::string PointerOf(const std::string& key_path);

// True when `error` (one of a result's "errors") is at `pointer` or at an object that holds it
// (required, additionalProperties, not, dependent* report at the parent).
bool ErrorConcerns(const nlohmann::json& error, const std::string& pointer);

// The path of the repository's file `relative` (e.g. "examples/demo.yaml").
std::string SourcePath(const std::string& relative);

}  // namespace subkeeper::testing
