// Fuzzes config::ParseConfig on YAML and JSON text, then config::Validate on what it accepts.
//
// Input framing: byte 0 chooses the format ('j' = JSON, anything else = YAML); the rest is the
// file's text. `${VAR}` expands to "60" (usable as a number and as a string) except for names
// starting with UNSET, which are unset; every *_file read fails, as for a missing file.
//
// Inputs are up to 256 KiB (LLVMFuzzerInitialize adds -max_len unless one is given): libFuzzer's
// default of 4 KiB cannot reach the nesting and alias limits of limits.h with much to spare.
// Seeds named deep_* and alias_* (nesting tens of thousands deep, a billion-laughs alias bomb, an
// alias inside its own anchor) once crashed or exhausted the loader.
//
// Invariants: never crashes or throws; an error is kInvalidArgument made of issues
// "fuzz.<ext>:LINE: ..." or "fuzz.<ext>: ..." with a reason after it; a config that loads has
// no issue left for Validate to find (the loader already ran the same rules).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "subkeeper/common/text.h"
#include "subkeeper/config/loader.h"

namespace {

using subkeeper::Result;
using subkeeper::Status;
using subkeeper::config::Config;

std::optional<std::string> FixedEnv(const std::string& name) {
  if (name.starts_with("UNSET")) return std::nullopt;
  return std::string("60");
}

Result<std::string> NoFiles(const std::string&) {
  return Status::NotFound("No such file or directory");
}

// "SOURCE:LINE: rest" or "SOURCE: rest", with a non-empty rest.
bool WellFormedLine(std::string_view line, std::string_view source) {
  if (!line.starts_with(source) || line.size() <= source.size() + 2) return false;
  line.remove_prefix(source.size());
  if (line[0] != ':') return false;
  line.remove_prefix(1);
  size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
  if (digits > 0) {
    line.remove_prefix(digits);
    if (!line.starts_with(':')) return false;
    line.remove_prefix(1);
  }
  // The key path is echoed as written, so it may itself start with a space.
  return line.size() >= 2 && line[0] == ' ';
}

// Each issue is exactly one "FILE..." line of printable UTF-8: keys and values from the file are
// escaped (\xNN) when echoed, so a newline or a stray byte in a key cannot split or corrupt a
// message that /readyz later serialises as JSON.
void CheckMessage(const std::string& message, std::string_view source) {
  FUZZ_CHECK(message.starts_with(source));
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    const std::string_view line = std::string_view(message).substr(start, end - start);
    if (!WellFormedLine(line, source) || subkeeper::Printable(line) != line) {
      std::fprintf(stderr, "fuzz_config: malformed error line: %.*s\n",
                   static_cast<int>(line.size()), line.data());
      FUZZ_CHECK(false);
    }
    start = end + 1;
  }
}

void Run(std::string_view text, bool json) {
  const std::string source = json ? "fuzz.json" : "fuzz.yaml";
  subkeeper::config::LoadOptions options;
  options.env = FixedEnv;
  options.read = NoFiles;
  const Result<Config> config = subkeeper::config::ParseConfig(text, source, json, options);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == subkeeper::StatusCode::kInvalidArgument);
    CheckMessage(config.status().message(), source);
    return;
  }
  FUZZ_CHECK(config->source_path == source);
  FUZZ_CHECK(subkeeper::config::Validate(*config).empty());
}

}  // namespace

// libFuzzer calls this before it parses its flags, so an added flag counts as given.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    if (std::string_view((*argv)[i]).starts_with("-max_len=")) return 0;
  }
  static std::vector<char*> args;
  static char max_len[] = "-max_len=262144";
  args.assign(*argv, *argv + *argc);
  args.push_back(max_len);
  args.push_back(nullptr);
  *argc += 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool json = data[0] == 'j';
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The loader promises errors as values; an escaping exception is a bug worth a crash report.
  try {
    Run(text, json);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_config: exception escaped the loader: %s\n", e.what());
    std::abort();
  }
  return 0;
}
