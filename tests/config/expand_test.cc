#include "subkeeper/config/expand.h"

#include <catch2/catch.hpp>
#include <map>

namespace subkeeper::config {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST_CASE("ExpandEnv substitutes, escapes and leaves other dollars alone", "[config]") {
  EnvLookup env = Env({{"A", "x"}, {"B_2", "${A}"}, {"EMPTY", ""}});
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"", ""},
      {"plain", "plain"},
      {"${A}", "x"},
      {"a${A}b${A}c", "axbxc"},
      {"${B_2}", "${A}"},  // values are not expanded again
      {"${EMPTY}", ""},
      {"$${A}", "${A}"},
      {"$$${A}", "$${A}"},  // scanned left to right:
                            // "$" then "$${"
      {"$A $", "$A $"},
      {"cost: $5", "cost: $5"},
  };
  for (const Row& row : rows) {
    INFO(row.in);
    Result<std::string> out = ExpandEnv(row.in, env);
    REQUIRE(out.ok());
    CHECK(out.value() == row.out);
  }
}

TEST_CASE("ExpandEnv errors name the variable and never a value", "[config]") {
  EnvLookup env = Env({{"SET", "value-of-set"}});
  struct Row {
    const char* in;
    const char* error;
  };
  const Row rows[] = {
      {"${UNSET}", "environment variable UNSET is not set"},
      {"${SET}${UNSET}", "environment variable UNSET is not set"},
      {"${SET", "unterminated ${"},
      {"${}", "invalid variable name"},
      {"${1X}", "invalid variable name"},
      {"${my-secret-value}", "invalid variable name"},
  };
  for (const Row& row : rows) {
    INFO(row.in);
    Result<std::string> out = ExpandEnv(row.in, env);
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(out.status().message(), Catch::Contains(row.error));
    CHECK_THAT(out.status().message(), !Catch::Contains("value-of-set"));
    CHECK_THAT(out.status().message(), !Catch::Contains("my-secret-value"));
  }
}

}  // namespace
}  // namespace subkeeper::config
