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
#include <utility>

namespace subkeeper::logging {

enum class Module { kKeeper, kRenewal, kReconcile, kRelay, kPlatform, kWebhook, kStore, kServer };

// The module's logger ("keeper", "renewal", …, the names of config::kLogModules). Usable before
// Configure (text format on stderr, level info).
spdlog::logger& Get(Module module);

struct Options {
  // trace|debug|info|warning|error|off ("warn" is an alias of "warning", the name records carry)
  std::string level = "info";
  std::string format = "text";                 // text | json
  std::map<std::string, std::string> modules;  // module name -> level, overriding `level`
};

// Sets format and levels of every module logger (and of spdlog's default logger, which the
// emulator and tools use). Formats: text "2026-11-23T10:00:00.123+0000 info relay: message";
// json {"time":"…Z","level":"info","module":"relay","message":"…"} per line; a record written
// through About() also carries its Subject: as JSON fields "account", "subscription" and
// "remote_id", or in text appended as " account=acme subscription=orders remote_id=…". Call it from
// one thread at start-up; calling it again (a reload) only changes levels when the format is the
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

// What a record is about: the account, the subscription's configured name and its remote
// (platform) id. Empty parts are left out of the record. The views must outlive the log call.
struct Subject {
  Subject() = default;
  // Implicit, so that call sites write {account, name, remote_id} or {account}.
  Subject(std::string_view a, std::string_view s = {}, std::string_view r = {})  // NOLINT
      : account(a), subscription(s), remote_id(r) {}

  std::string_view account;
  std::string_view subscription;
  std::string_view remote_id;
};

// A module logger bound to a Subject, for one statement:
//   logging::About(logging::RenewalLog(), {record.account, record.name, record.remote_id})
//       .warn("renew failed ({}), retry in {}s", error, delay);
// The message need not repeat the subject. Levels are those of the module logger; a record
// below its level costs no formatting. Not to be stored: it holds references.
class About {
 public:
  About(spdlog::logger& logger, Subject subject) : logger_(logger), subject_(subject) {}

  template <typename... Args>
  void trace(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    Log(spdlog::level::trace, fmt, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    Log(spdlog::level::debug, fmt, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    Log(spdlog::level::info, fmt, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    Log(spdlog::level::warn, fmt, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    Log(spdlog::level::err, fmt, std::forward<Args>(args)...);
  }

 private:
  // Makes `subject` the current thread's subject while the (synchronous) sinks format.
  class Scope {
   public:
    explicit Scope(const Subject& subject);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const Subject* previous_;
  };

  template <typename... Args>
  void Log(spdlog::level::level_enum level, spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (!logger_.should_log(level)) return;
    Scope scope(subject_);
    logger_.log(level, fmt, std::forward<Args>(args)...);
  }

  spdlog::logger& logger_;
  Subject subject_;
};

inline spdlog::logger& KeeperLog() { return Get(Module::kKeeper); }
inline spdlog::logger& RenewalLog() { return Get(Module::kRenewal); }
inline spdlog::logger& ReconcileLog() { return Get(Module::kReconcile); }
inline spdlog::logger& RelayLog() { return Get(Module::kRelay); }
inline spdlog::logger& PlatformLog() { return Get(Module::kPlatform); }
inline spdlog::logger& WebhookLog() { return Get(Module::kWebhook); }
inline spdlog::logger& StoreLog() { return Get(Module::kStore); }
inline spdlog::logger& ServerLog() { return Get(Module::kServer); }

inline About KeeperLog(Subject s) { return About(KeeperLog(), s); }
inline About RenewalLog(Subject s) { return About(RenewalLog(), s); }
inline About ReconcileLog(Subject s) { return About(ReconcileLog(), s); }
inline About RelayLog(Subject s) { return About(RelayLog(), s); }
inline About PlatformLog(Subject s) { return About(PlatformLog(), s); }
inline About WebhookLog(Subject s) { return About(WebhookLog(), s); }

}  // namespace subkeeper::logging
