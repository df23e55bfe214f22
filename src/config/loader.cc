#include "subkeeper/config/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <new>
#include <sstream>
#include <tuple>

#include "internal.h"
#include "node.h"
#include "subkeeper/common/text.h"
#include "subkeeper/config/limits.h"

namespace subkeeper::config {
namespace {

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// *_file keys: bounded, regular files only (see limits.h). The message is only the reason:
// callers name the path in their own words.
Result<std::string> ReadSecretFile(const std::string& path) {
  return ReadBoundedFile(path, kMaxSecretFileBytes);
}

Result<std::unique_ptr<std::istream>> OpenAccountsFile(const std::string& path) {
  return OpenBoundedFile(path, kMaxAccountsFileBytes);
}

// Lines of what `read` returns: tests inject files through `read` alone.
LineSource LinesOf(FileReader read) {
  return
      [read = std::move(read)](const std::string& path) -> Result<std::unique_ptr<std::istream>> {
        Result<std::string> text = read(path);
        if (!text.ok()) return text.status();
        return std::unique_ptr<std::istream>(
            std::make_unique<std::istringstream>(std::move(text).value()));
      };
}

LoadOptions WithDefaults(const LoadOptions& options) {
  LoadOptions out = options;
  if (!out.env) out.env = ProcessEnv;
  if (!out.open) out.open = out.read ? LinesOf(out.read) : OpenAccountsFile;
  if (!out.read) out.read = ReadSecretFile;
  return out;
}

Status IssuesToStatus(std::vector<ConfigIssue> issues, const std::string& source_name) {
  // Source order reads best; the decoder and the validator each append in their own order. The
  // config file first, then the accounts file, whose line-less note ("more problems") is last.
  auto order = [&source_name](const ConfigIssue& issue) {
    const bool other = issue.file != source_name;
    return std::tuple(other, other && issue.line == 0, issue.line);
  };
  std::stable_sort(
      issues.begin(), issues.end(),
      [&order](const ConfigIssue& a, const ConfigIssue& b) { return order(a) < order(b); });
  std::string message;
  for (const ConfigIssue& issue : issues) {
    if (!message.empty()) message += '\n';
    message += issue.ToString();
  }
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

std::string ConfigIssue::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  // Keys and values come from the file: one issue must stay one printable line.
  if (!key_path.empty()) out += Printable(key_path) + ": ";
  out += Printable(rule);
  return out;
}

namespace {

Result<Config> ParseUnguarded(std::string_view text, const std::string& source_name, bool json,
                              const LoadOptions& options) {
  const LoadOptions opts = WithDefaults(options);
  Result<internal::Node> tree = json ? internal::ParseJsonTree(text, source_name)
                                     : internal::ParseYamlTree(text, source_name);
  if (!tree.ok()) return tree.status();
  internal::Decoded decoded = internal::Decode(tree.value(), source_name, opts);
  std::vector<ConfigIssue> issues = std::move(decoded.issues);
  for (ConfigIssue& issue :
       internal::ValidateWithSource(decoded.config, decoded.source, decoded.templates)) {
    issues.push_back(std::move(issue));
  }
  if (!issues.empty()) return IssuesToStatus(std::move(issues), source_name);
  return std::move(decoded.config);
}

}  // namespace

Result<Config> ParseConfig(std::string_view text, const std::string& source_name, bool json,
                           const LoadOptions& options) {
  // The limits (limits.h) keep a load within memory; should it still run out, a running keeper
  // keeps its old config rather than dying on a reload.
  try {
    return ParseUnguarded(text, source_name, json, options);
  } catch (const std::bad_alloc&) {
    return Status::InvalidArgument(source_name + ": out of memory while loading");
  }
}

Result<Config> LoadConfigFile(const std::string& path, const LoadOptions& options) {
  auto read = [&]() -> Result<std::string> {
    try {
      return options.read ? options.read(path) : ReadBoundedFile(path, kMaxConfigFileBytes);
    } catch (const std::bad_alloc&) {
      return Status::Unavailable("out of memory");
    }
  };
  Result<std::string> text = read();
  if (!text.ok()) {
    return Status::NotFound("cannot read config file " + path + ": " + text.status().message());
  }
  const bool json = path.ends_with(".json");
  return ParseConfig(text.value(), path, json, options);
}

std::optional<std::string> PeekLogFormat(const std::string& path) {
  Result<std::string> text = ReadBoundedFile(path, kMaxConfigFileBytes);
  if (!text.ok()) return std::nullopt;
  Result<internal::Node> tree = path.ends_with(".json")
                                    ? internal::ParseJsonTree(text.value(), path)
                                    : internal::ParseYamlTree(text.value(), path);
  if (!tree.ok()) return std::nullopt;
  const internal::Node* log = tree->Find("log");
  const internal::Node* format = log != nullptr ? log->Find("format") : nullptr;
  if (format == nullptr || format->kind != internal::Node::Kind::kScalar) return std::nullopt;
  if (format->scalar != "text" && format->scalar != "json") return std::nullopt;
  return format->scalar;
}

}  // namespace subkeeper::config
