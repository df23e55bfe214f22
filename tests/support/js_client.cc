#include "support/js_client.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace subkeeper::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Single quotes for /bin/sh: everything inside is literal except the quote itself.
std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string JsDir() { return SUBKEEPER_JS_DIR; }

std::string JsClientsMissing() {
  if (std::system("command -v node > /dev/null 2>&1") != 0) {
    return "node is not on PATH (scripts/bootstrap installs Debian's nodejs)";
  }
  struct stat info {};
  if (stat((JsDir() + "/node_modules/standardwebhooks").c_str(), &info) != 0 ||
      stat((JsDir() + "/node_modules/ajv").c_str(), &info) != 0) {
    return JsDir() + "/node_modules is not installed (scripts/bootstrap runs npm ci there)";
  }
  return "";
}

NodeResult RunNodeScript(const std::string& script, const std::vector<std::string>& args,
                         const std::string& input) {
  char base[] = "/tmp/subkeeper-node-XXXXXX";
  NodeResult result;
  if (mkdtemp(base) == nullptr) return result;
  const std::string dir = base;
  const std::string in_path = dir + "/in", out_path = dir + "/out", err_path = dir + "/err";
  std::ofstream(in_path, std::ios::binary) << input;
  std::string command = "node " + ShellQuote(JsDir() + "/" + script);
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command +=
      " < " + ShellQuote(in_path) + " > " + ShellQuote(out_path) + " 2> " + ShellQuote(err_path);
  const int status = std::system(command.c_str());
  result.out = Slurp(out_path);
  result.err = Slurp(err_path);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::remove(in_path.c_str());
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  rmdir(dir.c_str());
  return result;
}

}  // namespace subkeeper::testing
