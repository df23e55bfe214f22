// Runs the clients we did not write (tests/js: the npm standardwebhooks library, ajv) from C++
// tests. scripts/bootstrap installs Node.js and `npm ci`s tests/js from its lock file; a test
// that needs them fails (never skips) when they are missing.
#pragma once

#include <string>
#include <vector>

namespace subkeeper::testing {

struct NodeResult {
  int exit_code = -1;  // the script's exit status; -1 when it could not run or was killed
  std::string out;     // its stdout
  std::string err;     // its stderr
};

// The directory of the test clients (tests/js in the source tree).
std::string JsDir();

// "" when Node.js and tests/js/node_modules are there, else what is missing and how to install it.
std::string JsClientsMissing();

// Runs `node tests/js/<script> args...` with `input` on its stdin and waits for it to exit.
NodeResult RunNodeScript(const std::string& script, const std::vector<std::string>& args,
                         const std::string& input = "");

}  // namespace subkeeper::testing
