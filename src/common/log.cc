#include "subkeeper/common/log.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "subkeeper/common/mutex.h"

namespace subkeeper::logging {
namespace {

constexpr std::array<const char*, 8> kNames = {"keeper",   "renewal", "reconcile", "relay",
                                               "platform", "webhook", "store",     "server"};
constexpr std::string_view kMark = "[redacted]";
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %n: %v";

// The subject of the record being logged on this thread (set by About), and its scrubbed copy
// while the sinks format it. spdlog's loggers here are synchronous: a record is formatted on the
// thread that logs it, before the log call returns.
thread_local const Subject* logging_subject = nullptr;
struct ScrubbedSubject {
  std::string account, subscription, remote_id;
};
thread_local const ScrubbedSubject* formatting_subject = nullptr;

// name=value; the value quoted (JSON string syntax) when it is empty or holds a space, a quote,
// '=' or a control character, so the suffix splits unambiguously.
void AppendField(std::string& out, std::string_view name, const std::string& value) {
  if (value.empty()) return;
  out += ' ';
  out += name;
  out += '=';
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) > ' ' && c != '"' && c != '=' && c != '\\';
  });
  out += plain
             ? value
             : nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// " account=… subscription=… remote_id=…" of the record being formatted, "" when none.
std::string TextFields() {
  std::string out;
  if (const ScrubbedSubject* s = formatting_subject) {
    AppendField(out, "account", s->account);
    AppendField(out, "subscription", s->subscription);
    AppendField(out, "remote_id", s->remote_id);
  }
  return out;
}

// The text pattern, with the subject's fields appended to the line.
class TextFormatter final : public spdlog::formatter {
 public:
  TextFormatter() : pattern_(std::make_unique<spdlog::pattern_formatter>(kTextPattern)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string fields = TextFields();
    if (fields.empty()) {
      pattern_->format(msg, dest);
      return;
    }
    spdlog::memory_buf_t line;
    pattern_->format(msg, line);
    size_t end = line.size();
    while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r')) --end;
    dest.append(line.data(), line.data() + end);
    dest.append(fields.data(), fields.data() + fields.size());
    dest.append(line.data() + end, line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  std::unique_ptr<spdlog::pattern_formatter> pattern_;
};

// One JSON object per record. The message is escaped, never interpolated.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t seconds = duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char time[32];
    const size_t n = std::strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(time + n, sizeof time - n, ".%03dZ", static_cast<int>(millis));
    const auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json record{
        {"time", time},
        {"level", std::string_view(level.data(), level.size())},
        {"module", std::string_view(msg.logger_name.data(), msg.logger_name.size())},
        {"message", std::string_view(msg.payload.data(), msg.payload.size())}};
    if (const ScrubbedSubject* s = formatting_subject) {
      if (!s->account.empty()) record["account"] = s->account;
      if (!s->subscription.empty()) record["subscription"] = s->subscription;
      if (!s->remote_id.empty()) record["remote_id"] = s->remote_id;
    }
    const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

std::unique_ptr<spdlog::formatter> MakeFormatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  return std::make_unique<TextFormatter>();
}

// Scrubs each record, then hands it to its children. spdlog's base_sink locks its own (unannotated)
// mutex around sink_it_/flush_; this sink takes mu_ itself instead, so the analysis sees it.
class RedactingSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  void AddChild(std::shared_ptr<spdlog::sinks::sink> child) {
    MutexLock lock(mu_);
    child->set_formatter(MakeFormatter(format_));
    children_.push_back(std::move(child));
  }
  void RemoveChild(const std::shared_ptr<spdlog::sinks::sink>& child) {
    MutexLock lock(mu_);
    std::erase(children_, child);
  }
  void SetFormat(const std::string& format) {
    MutexLock lock(mu_);
    format_ = format;
    for (auto& child : children_) child->set_formatter(MakeFormatter(format_));
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    MutexLock lock(mu_);
    const std::string clean = Scrub(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    std::optional<ScrubbedSubject> subject;
    if (const Subject* s = logging_subject) {
      subject = ScrubbedSubject{Scrub(s->account), Scrub(s->subscription), Scrub(s->remote_id)};
    }
    const ScrubbedSubject* previous =
        std::exchange(formatting_subject, subject ? &*subject : nullptr);
    for (auto& child : children_) {
      if (child->should_log(copy.level)) child->log(copy);
    }
    formatting_subject = previous;
  }
  void flush_() override {
    MutexLock lock(mu_);
    for (auto& child : children_) child->flush();
  }
  // The children format; this sink's own formatter is unused.
  void set_pattern_(const std::string&) override {}
  void set_formatter_(std::unique_ptr<spdlog::formatter>) override {}

 private:
  Mutex mu_;
  std::string format_ GUARDED_BY(mu_) = "text";
  std::vector<std::shared_ptr<spdlog::sinks::sink>> children_ GUARDED_BY(mu_);
};

struct State {
  std::shared_ptr<RedactingSink> sink = std::make_shared<RedactingSink>();
  std::shared_ptr<spdlog::sinks::sink> stderr_sink =
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  std::array<std::shared_ptr<spdlog::logger>, kNames.size()> loggers;
  std::string format = "text";

  SharedMutex secrets_mutex;
  std::unordered_map<std::string, std::string> slots GUARDED_BY(secrets_mutex);  // slot -> value
  // value (raw or encoded) -> uses
  std::unordered_map<std::string, int> values GUARDED_BY(secrets_mutex);

  State() {
    sink->AddChild(stderr_sink);
    for (size_t i = 0; i < kNames.size(); ++i) {
      loggers[i] = std::make_shared<spdlog::logger>(kNames[i], sink);
      loggers[i]->set_level(spdlog::level::info);
      // Registered, so that spdlog::set_level (tests quieting everything) reaches them too.
      spdlog::register_logger(loggers[i]);
    }
  }
};

State& GetState() {
  static State* state = new State();  // never destroyed: loggers outlive static destructors
  return *state;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=' || c == '%';
}

std::string PercentEncode(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + kMark.size())) {
    text.replace(pos, needle.size(), kMark);
  }
}

// Redacts text[from, end of the run of token characters).
size_t RedactRun(std::string& text, size_t from) {
  size_t end = from;
  while (end < text.size() && IsTokenChar(text[end])) ++end;
  if (end == from) return from;
  text.replace(from, end - from, kMark);
  return from + kMark.size();
}

// "eyJ…" with two dots: the shape of a JWT (a base64url JSON header).
void RedactJwts(std::string& text) {
  for (size_t pos = text.find("eyJ"); pos != std::string::npos; pos = text.find("eyJ", pos)) {
    size_t end = pos;
    int dots = 0;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '-' || text[end] == '_' || text[end] == '.')) {
      dots += text[end] == '.';
      ++end;
    }
    if (dots >= 2) {
      text.replace(pos, end - pos, kMark);
      pos += kMark.size();
    } else {
      pos = end;
    }
  }
}

// The credential after "Bearer " or "Basic ".
void RedactAfterScheme(std::string& text, std::string_view word) {
  for (size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos)) {
    const size_t at = pos + word.size();
    pos = text.compare(at, kMark.size(), kMark) == 0 ? at + kMark.size() : RedactRun(text, at);
  }
}

// The value of a field named `name`: JSON `"name": "value"` or a parameter `name=value`.
void RedactField(std::string& text, std::string_view name) {
  for (size_t pos = text.find(name); pos != std::string::npos; pos = text.find(name, pos)) {
    size_t at = pos + name.size();
    pos = at;
    if (at < text.size() && text[at] == '=') {
      pos = RedactRun(text, at + 1);
      continue;
    }
    if (at >= text.size() || text[at] != '"') continue;
    ++at;
    while (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size() || text[at] != ':') continue;
    ++at;
    while (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size() || text[at] != '"') continue;
    ++at;
    size_t end = at;
    while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
    end = std::min(end, text.size());
    text.replace(at, end - at, kMark);
    pos = at + kMark.size();
  }
}

}  // namespace

spdlog::logger& Get(Module module) { return *GetState().loggers[static_cast<size_t>(module)]; }

About::Scope::Scope(const Subject& subject) : previous_(logging_subject) {
  logging_subject = &subject;
}

About::Scope::~Scope() { logging_subject = previous_; }

void Configure(const Options& options) {
  State& state = GetState();
  if (options.format != state.format) {
    state.sink->SetFormat(options.format);
    state.format = options.format;
  }
  const auto level = spdlog::level::from_str(options.level);
  for (size_t i = 0; i < kNames.size(); ++i) {
    auto it = options.modules.find(kNames[i]);
    state.loggers[i]->set_level(it != options.modules.end() ? spdlog::level::from_str(it->second)
                                                            : level);
  }
  auto fallback = std::make_shared<spdlog::logger>("subkeeper", state.sink);
  fallback->set_level(level);
  spdlog::set_default_logger(fallback);
}

void AddSink(std::shared_ptr<spdlog::sinks::sink> sink) {
  GetState().sink->AddChild(std::move(sink));
}

void RemoveSink(const std::shared_ptr<spdlog::sinks::sink>& sink) {
  GetState().sink->RemoveChild(sink);
}

void SetSecret(const std::string& slot, std::string_view value) {
  State& state = GetState();
  WriterMutexLock lock(state.secrets_mutex);
  auto release = [&](const std::string& old) REQUIRES(state.secrets_mutex) {
    for (const std::string& form : {old, PercentEncode(old)}) {
      auto it = state.values.find(form);
      if (it != state.values.end() && --it->second == 0) state.values.erase(it);
    }
  };
  if (auto it = state.slots.find(slot); it != state.slots.end()) {
    if (it->second == value) return;
    release(it->second);
    state.slots.erase(it);
  }
  if (value.empty()) return;
  std::string raw(value);
  for (const std::string& form : {raw, PercentEncode(raw)}) ++state.values[form];
  state.slots.emplace(slot, std::move(raw));
}

std::string Scrub(std::string_view input) {
  std::string text(input);
  State& state = GetState();
  {
    ReaderMutexLock lock(state.secrets_mutex);
    if (state.values.size() <= 64) {
      // Few secrets: look for each anywhere, also inside longer words.
      for (const auto& [value, uses] : state.values) ReplaceAll(text, value);
    } else {
      // Many (a token per account): look up each word of token characters.
      for (size_t pos = 0; pos < text.size();) {
        if (!IsTokenChar(text[pos])) {
          ++pos;
          continue;
        }
        size_t end = pos;
        while (end < text.size() && IsTokenChar(text[end])) ++end;
        if (state.values.contains(text.substr(pos, end - pos))) {
          text.replace(pos, end - pos, kMark);
          end = pos + kMark.size();
        }
        pos = end;
      }
    }
  }
  RedactJwts(text);
  RedactAfterScheme(text, "Bearer ");
  RedactAfterScheme(text, "Basic ");
  for (std::string_view field : {"access_token", "refresh_token", "client_secret", "assertion",
                                 "id_token", "password", "jwt", "verificationToken"}) {
    RedactField(text, field);
  }
  return text;
}

}  // namespace subkeeper::logging
