// Shared helpers for the config tests: an in-memory environment and file system, and a small
// valid document to vary.
#pragma once

#include <map>
#include <string>

#include "subkeeper/config/loader.h"

namespace subkeeper::config::testing {

struct FakeWorld {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;

  LoadOptions Options() const {
    LoadOptions options;
    options.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    options.read = [this](const std::string& path) -> Result<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return Status::NotFound("no such file");
      return it->second;
    };
    return options;
  }
};

inline constexpr const char* kAccounts =
    "accounts:\n"
    "  - name: main\n"
    "    jwt: the-jwt\n";

// A valid YAML config (with `body` appended), optionally with more platform keys or other
// accounts.
inline std::string Doc(const std::string& body, const std::string& platform_extra = "",
                       const std::string& accounts = kAccounts) {
  return "platform:\n"
         "  client_id: id\n"
         "  client_secret: the-client-secret\n" +
         platform_extra + "webhook_secret: the-webhook-secret\n" + accounts + body;
}

// One relayed subscription entry of account main with a plain filter, plus `extra` lines
// (each indented by four spaces).
inline std::string Sub(const std::string& name, const std::string& extra = "") {
  return "  - name: " + name +
         "\n"
         "    account: main\n"
         "    event_filters: [\"/restapi/v1.0/account/~/extension/~/presence\"]\n" +
         extra;
}

// The error message of loading `yaml`, or "" when it loads.
inline std::string ErrorOf(const std::string& text, const FakeWorld& world = {},
                           bool json = false) {
  Result<Config> config =
      ParseConfig(text, json ? "test.json" : "test.yaml", json, world.Options());
  return config.ok() ? "" : config.status().message();
}

}  // namespace subkeeper::config::testing
