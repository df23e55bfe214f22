// The config corpus through both of its judges: the real `subkeeper check` and the JSON Schema
// (tests/js/validate_config.mjs, ajv strict draft 2020-12).
//
// tests/config/invalid/*.yaml: each file breaks one rule and says in its header
//   # rule: <the rule>
//   # schema: refuses | cannot say — <why JSON Schema cannot express it>
//   # check: <the key path check names>
// check must refuse every file (exit 1) naming that key path; the schema must refuse exactly the
// files marked "refuses" (with an error at that path or an object holding it) and accept the
// others, so that the header stays honest.
// tests/config/valid/*.yaml and the shipped examples must pass check.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/config_schema.h"
#include "support/process.h"

namespace subkeeper::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Header {
  std::string rule;
  std::string schema;  // "refuses" or "cannot say — why"
  std::string check;   // key path
  std::map<std::string, std::string> env;
};

Header ReadHeader(const std::string& path) {
  std::ifstream in(path);
  Header header;
  for (std::string line; std::getline(in, line) && line.starts_with("#");) {
    auto value = [&line](std::string_view key) { return line.substr(key.size()); };
    if (line.starts_with("# rule: ")) header.rule = value("# rule: ");
    if (line.starts_with("# schema: ")) header.schema = value("# schema: ");
    if (line.starts_with("# check: ")) header.check = value("# check: ");
    if (line.starts_with("# env: ")) {
      std::istringstream pairs(value("# env: "));
      for (std::string pair; pairs >> pair;) {
        const size_t eq = pair.find('=');
        header.env[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
    }
  }
  return header;
}

std::vector<std::string> YamlFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/subkeeper-corpus-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CheckRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `subkeeper check -c config` with `env` added to this process's environment.
CheckRun Check(const std::string& config, const std::map<std::string, std::string>& env,
               const TempDir& dir) {
  static int runs = 0;
  for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
  const std::string base = dir.path() + "/check-" + std::to_string(++runs);
  std::string error;
  auto process =
      Process::Start(SUBKEEPER_BIN, {"check", "-c", config}, base + ".out", base + ".err", &error);
  INFO("starting subkeeper check: " << error);
  REQUIRE(process.has_value());
  const bool exited = process->WaitExit(30s);
  for (const auto& [name, unused] : env) unsetenv(name.c_str());
  REQUIRE(exited);
  CheckRun run;
  run.out = ReadFile(base + ".out").value_or("");
  run.err = ReadFile(base + ".err").value_or("");
  const auto status = process->wait_status();
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  return run;
}

// True when one of the result's errors is about `key_path`. The rule that relaying needs a
// signing secret reports at the root for any config with a deliver_to: it only counts for the
// files about it.
bool SchemaNames(const json& result, const std::string& key_path) {
  const std::string pointer = PointerOf(key_path);
  for (const auto& error : result["errors"]) {
    const bool signing_rule =
        error["schemaPath"].get<std::string>().starts_with("#/$defs/signingSecretWhenRelaying");
    if (signing_rule && !key_path.starts_with("relay")) continue;
    if (ErrorConcerns(error, pointer)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("check and the schema refuse the invalid configs as each header says",
          "[integration][config][schema]") {
  const std::vector<std::string> files = YamlFilesIn(SourcePath("tests/config/invalid"));
  REQUIRE(files.size() >= 25);
  unsetenv("SUBKEEPER_CORPUS_NEVER_SET");
  const SchemaRun schema = ValidateWithSchema(files);
  TempDir dir;
  int expressible = 0;
  for (const std::string& file : files) {
    const Header header = ReadHeader(file);
    INFO(file << "\n  rule: " << header.rule << "\n  schema: " << header.schema
              << "\n  check: " << header.check);
    REQUIRE_FALSE(header.rule.empty());
    REQUIRE_FALSE(header.check.empty());
    const bool refuses = header.schema == "refuses";
    REQUIRE((refuses || header.schema.starts_with("cannot say — ")));
    expressible += refuses ? 1 : 0;

    const CheckRun check = Check(file, header.env, dir);
    INFO("check: exit " << check.exit_code << "\n" << check.err);
    CHECK(check.exit_code == 1);
    CHECK_THAT(check.err, Catch::Contains(": " + header.check + ": "));

    const json& result = schema.results.at(file);
    INFO("schema: " << result.dump());
    CHECK_FALSE(result.contains("parseError"));
    if (refuses) {
      CHECK_FALSE(result["valid"].get<bool>());
      CHECK(SchemaNames(result, header.check));
    } else {
      CHECK(result["valid"].get<bool>());
    }
  }
  // Most rules are the schema's to state; the rest are named in each file.
  CHECK(expressible >= 40);
  CHECK(files.size() - static_cast<size_t>(expressible) >= 12);
}

TEST_CASE("The valid configs and the examples pass check", "[integration][config][schema]") {
  TempDir dir;
  const std::vector<std::string> valid = YamlFilesIn(SourcePath("tests/config/valid"));
  REQUIRE(valid.size() >= 2);
  const SchemaRun schema = ValidateWithSchema(valid);
  for (const std::string& file : valid) {
    INFO(file << ": " << schema.results.at(file).dump());
    CHECK(schema.results.at(file)["valid"].get<bool>());
    const CheckRun check = Check(file, ReadHeader(file).env, dir);
    INFO("check: " << check.err);
    CHECK(check.exit_code == 0);
  }

  // The examples, as a user runs them (schema_test.cc validates them against the schema).
  for (const char* example :
       {"examples/demo.yaml", "examples/fleet.yaml", "docker/compose/subkeeper.yaml"}) {
    const CheckRun check =
        Check(SourcePath(example),
              {{"SUBKEEPER_WEBHOOK_SECRET", "corpus-webhook-secret"},
               {"SUBKEEPER_SIGNING_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
              dir);
    INFO(example << ": " << check.err);
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.out, Catch::Contains(": ok ("));
  }
  // examples/subkeeper.yaml reads its secrets from /run/secrets: a copy reads them from here.
  std::string text = ReadFile(SourcePath("examples/subkeeper.yaml")).value_or("");
  REQUIRE_FALSE(text.empty());
  for (size_t at; (at = text.find("/run/secrets/")) != std::string::npos;) {
    text.replace(at, 13, dir.path() + "/");
  }
  std::ofstream(dir.path() + "/rc_client_secret") << "corpus-client-secret\n";
  std::ofstream(dir.path() + "/subkeeper_signing_secret")
      << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
  std::ofstream(dir.path() + "/subkeeper.yaml") << text;
  const CheckRun check = Check(dir.path() + "/subkeeper.yaml",
                               {{"RC_CLIENT_ID", "corpus-client"},
                                {"SUBKEEPER_WEBHOOK_SECRET", "corpus-webhook-secret"},
                                {"RC_JWT", "corpus-jwt"}},
                               dir);
  INFO("examples/subkeeper.yaml: " << check.err);
  CHECK(check.exit_code == 0);
}

}  // namespace subkeeper::testing
