// `accounts_file`: a JSON Lines file of accounts[] entries. It is read one line at a time and
// each line is parsed, checked and expanded on its own, so that a fleet of tens of thousands of
// accounts costs memory for the accounts only, never for a document tree of the whole file.
// The rules are those of accounts[] (validate.cc), applied here because validation has no
// lines for these entries.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "decoder.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/config/expand.h"
#include "subkeeper/config/limits.h"

namespace subkeeper::config::internal {
namespace {

// Blank and comment lines.
bool Skipped(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

bool Present(const nlohmann::json& item, std::string_view key) {
  auto it = item.find(std::string(key));
  return it != item.end() && !it->is_null();
}

std::string Origin(long origin) {
  return origin >= 0 ? "accounts[" + std::to_string(origin) + "]"
                     : "accounts_file line " + std::to_string(-origin);
}

}  // namespace

void Decoder::AccountsFile(const Node& node) {
  std::optional<std::string> written = Text(node, "accounts_file");
  if (!written || written->empty()) return;
  const std::string file = BesideConfig(*written);
  out_.config.accounts_file = file;
  Result<std::unique_ptr<std::istream>> in = options_.open(file);
  if (!in.ok()) {
    Issue("accounts_file", node.line, "cannot read '" + file + "': " + in.status().message());
    return;
  }
  AccountsLines(**in, file);
  if (in.value()->bad()) {
    Issue("accounts_file", node.line,
          "read error in '" + file + "' (or it grew past " + DescribeBytes(kMaxAccountsFileBytes) +
              " while it was read)");
  }
}

void Decoder::AccountsLines(std::istream& in, const std::string& file) {
  // accounts[] and the file share one namespace of account names.
  for (size_t i = 0; i < out_.config.accounts.size(); ++i) {
    const std::string& name = out_.config.accounts[i].name;
    if (!name.empty()) account_origin_.emplace(name, static_cast<long>(i));
  }
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (Skipped(text)) continue;
    const Where at{file, line, "accounts_file[" + std::to_string(line) + "]"};
    if (FindTooDeep(text, kMaxNestingDepth) != std::string_view::npos) {
      IssueIn(at, at.path,
              "nesting is deeper than " + std::to_string(kMaxNestingDepth) + " levels");
      continue;
    }
    // No exceptions, and no parser message: it quotes the input, which may hold a secret.
    const nlohmann::json item = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (item.is_discarded()) {
      IssueIn(at, at.path, "is not valid JSON (one account object per line)");
    } else if (!item.is_object()) {
      IssueIn(at, at.path, "must be a JSON object");
    } else {
      AccountsLine(item, at);
    }
  }
}

void Decoder::AccountsLine(const nlohmann::json& item, const Where& at) {
  static const Keys kKeys = {"name",     "jwt", "jwt_file", "refresh_token", "refresh_token_file",
                             "templates"};
  for (const auto& [key, value] : item.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      IssueIn(at, Join(at.path, key), UnknownKeyRule(key, kKeys));
    }
  }
  AccountConfig account;
  bool ok = FileText(item, "name", at, account.name);
  // Both secrets are read even when the first fails: every problem of a line is reported.
  const bool jwt_ok = FileSecret(item, "jwt", at, account.jwt);
  const bool credentials = FileSecret(item, "refresh_token", at, account.refresh_token) && jwt_ok;
  std::vector<std::string> names;
  const bool templates = FileNames(item, at, names);
  if (!ok) {
    // Reported by FileText.
  } else if (account.name.empty()) {
    IssueIn(at, Join(at.path, "name"), "is required");
    ok = false;
  } else if (!IsValidName(account.name)) {
    IssueIn(at, Join(at.path, "name"),
            "must match [A-Za-z0-9_-]{1,64} (got '" + account.name.substr(0, 80) + "')");
    ok = false;
  }
  if (credentials && account.jwt.empty() && account.refresh_token.empty()) {
    IssueIn(at, Join(at.path, "jwt"), "is required (or give " + at.path + ".refresh_token)");
  }
  if (ok) {
    auto [first, fresh] = account_origin_.emplace(account.name, -static_cast<long>(at.line));
    if (!fresh) {
      IssueIn(
          at, Join(at.path, "name"),
          "duplicate account name '" + account.name + "' (first at " + Origin(first->second) + ")");
    } else if (templates && !names.empty()) {
      Expand(account.name, names, Where{at.file, at.line, Join(at.path, "templates")});
    }
  }
  out_.config.accounts.push_back(std::move(account));
}

bool Decoder::FileText(const nlohmann::json& item, std::string_view key, const Where& at,
                       std::string& out) {
  if (!Present(item, key)) return true;
  const nlohmann::json& value = *item.find(std::string(key));
  if (!value.is_string()) {
    IssueIn(at, Join(at.path, key), "must be a string");
    return false;
  }
  Result<std::string> expanded = ExpandEnv(value.get_ref<const std::string&>(), options_.env);
  if (!expanded.ok()) {
    IssueIn(at, Join(at.path, key), expanded.status().message());
    return false;
  }
  out = std::move(expanded).value();
  return true;
}

bool Decoder::FileSecret(const nlohmann::json& item, std::string_view key, const Where& at,
                         Secret& out) {
  const std::string file_key = std::string(key) + "_file";
  if (Present(item, key) && Present(item, file_key)) {
    IssueIn(at, Join(at.path, key),
            "give either " + std::string(key) + " or " + file_key + ", not both");
    return false;
  }
  if (Present(item, key)) {
    std::string value;
    if (!FileText(item, key, at, value)) return false;
    out = Secret(std::move(value));
    return true;
  }
  std::string secret_path;
  if (!FileText(item, file_key, at, secret_path)) return false;
  if (secret_path.empty()) return true;
  Result<std::string> content = options_.read(secret_path);
  if (!content.ok()) {
    IssueIn(at, Join(at.path, file_key),
            "cannot read '" + secret_path + "': " + content.status().message());
    return false;
  }
  out = Secret(StripTrailingNewlines(std::move(content).value()));
  return true;
}

bool Decoder::FileNames(const nlohmann::json& item, const Where& at,
                        std::vector<std::string>& out) {
  if (!Present(item, "templates")) return true;
  const nlohmann::json& list = *item.find("templates");
  const std::string path = Join(at.path, "templates");
  if (!list.is_array()) {
    IssueIn(at, path, "must be a list of template names");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      IssueIn(at, Index(path, i), "must be a string");
      ok = false;
      continue;
    }
    Result<std::string> name = ExpandEnv(list[i].get_ref<const std::string&>(), options_.env);
    if (!name.ok()) {
      IssueIn(at, Index(path, i), name.status().message());
      ok = false;
      continue;
    }
    out.push_back(std::move(name).value());
  }
  return ok;
}

}  // namespace subkeeper::config::internal
