// Process logging: one spdlog logger per module, all writing through one redacting sink.
//
// Every record passes a scrubber before any sink sees it: registered secret values (config
// secrets, the tokens the keeper holds) and anything shaped like a credential (a JWT, the word
// after "Bearer"/"Basic", the value of an access_token/refresh_token/client_secret/assertion
// field or parameter) become "[redacted]". Code must still never log a secret; this is the
// second line.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace subkeeper::logging {

enum class Module { kKeeper, kRenewal, kReconcile, kRelay, kPlatform, kWebhook, kStore, kServer };

// The module's logger ("keeper", "renewal", …, the names of config::kLogModules). Usable before
// Configure (text format on stderr, level info).
spdlog::logger& Get(Module module);

struct Options {
  std::string level = "info";                  // trace|debug|info|warn|error|off
  std::string format = "text";                 // text | json
  std::map<std::string, std::string> modules;  // module name -> level, overriding `level`
};

// Sets format and levels of every module logger (and of spdlog's default logger, which the
// emulator and tools use). Formats: text "2026-11-23T10:00:00.123+0000 info relay: message";
// json {"time":"…Z","level":"info","module":"relay","message":"…"} per line. Call it from one
// thread at start-up; calling it again (a reload) only changes levels when the format is the
// same.
void Configure(const Options& options);

// Adds/removes a sink that receives every (already redacted) record, formatted like stderr.
// For tests that inspect the output.
void AddSink(std::shared_ptr<spdlog::sinks::sink> sink);
void RemoveSink(const std::shared_ptr<spdlog::sinks::sink>& sink);

// Makes `value` redacted wherever it appears in a record. `slot` names what it is
// ("config/webhook_secret", "token/acme/access"): setting a slot again replaces its previous
// value, so rotating tokens do not pile up. An empty value clears the slot. Thread-safe.
void SetSecret(const std::string& slot, std::string_view value);

// `text` as it would be logged: registered secrets and credential-shaped strings replaced.
std::string Scrub(std::string_view text);

inline spdlog::logger& KeeperLog() { return Get(Module::kKeeper); }
inline spdlog::logger& RenewalLog() { return Get(Module::kRenewal); }
inline spdlog::logger& ReconcileLog() { return Get(Module::kReconcile); }
inline spdlog::logger& RelayLog() { return Get(Module::kRelay); }
inline spdlog::logger& PlatformLog() { return Get(Module::kPlatform); }
inline spdlog::logger& WebhookLog() { return Get(Module::kWebhook); }
inline spdlog::logger& StoreLog() { return Get(Module::kStore); }
inline spdlog::logger& ServerLog() { return Get(Module::kServer); }

}  // namespace subkeeper::logging
