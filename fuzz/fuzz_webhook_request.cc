// Fuzzes the webhook receive path without sockets: WebhookReceiver::HandleNotification against a
// small route table and an in-memory sink, WebhookReceiver::Handshake with a fuzzed token, and
// http::Headers::Find on the fuzzed headers. The expected answer is computed independently
// from the documented contract (receiver.h) and compared.
//
// Input framing (plain text, so seeds can be written by hand):
//   byte 0        what the sink answers, taken mod 4: 0 inserted, 1 duplicate, 2 unavailable,
//                 3 deadline exceeded (seeds use the characters '0'..'3')
//   up to "\n"    the request path
//   lines         headers "Name: value" up to an empty line: split at the first ':', one space
//                 after it dropped; a line without ':' is a name with an empty value; a '\r' is
//                 kept as part of the line (the HTTP layer strips it, the receiver must not care)
//   the rest      the body (empty when there is no empty line)
// The handshake token is the Validation-Token header when present, else the path; it is echoed
// only when it is 1..256 visible ASCII characters, and answered 400 without an echo otherwise.
//
// Not covered: the Validation-Token branch in server/webhook_server.cc runs in cpp-httplib's
// pre-routing handler, which httplib only invokes for a request read from a socket; it has no
// socket-free entry point, so only the Handshake() it calls is fuzzed here.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/http/http.h"
#include "subkeeper/webhook/notification.h"
#include "subkeeper/webhook/receiver.h"
#include "subkeeper/webhook/routes.h"

namespace {

using subkeeper::Result;
using subkeeper::Secret;
using subkeeper::Status;
using subkeeper::http::Headers;
using subkeeper::store::EventRecord;
using subkeeper::store::InsertOutcome;
using subkeeper::webhook::Route;
using subkeeper::webhook::RouteMap;
using subkeeper::webhook::WebhookReceiver;
using subkeeper::webhook::WebhookResponse;

constexpr size_t kMaxBody = 1024;  // small, so the fuzzer reaches the 413 branch
constexpr std::chrono::milliseconds kBudget{2000};
// Status line plus what cpp-httplib adds to a handshake answer (Content-Length, Keep-Alive,
// Connection): an upper bound, so the check stays conservative.
constexpr size_t kHttpOverheadBytes = 160;
constexpr size_t kShortToken = 256;

enum class SinkMode { kInserted, kDuplicate, kUnavailable, kDeadline };

class MemorySink final : public subkeeper::webhook::EventSink {
 public:
  struct Call {
    EventRecord event;
    subkeeper::SteadyTime deadline;
  };
  Result<InsertOutcome> Commit(EventRecord event, subkeeper::SteadyTime deadline) override {
    calls.push_back({std::move(event), deadline});
    switch (mode) {
      case SinkMode::kInserted:
        return InsertOutcome::kInserted;
      case SinkMode::kDuplicate:
        return InsertOutcome::kDuplicate;
      case SinkMode::kUnavailable:
        return Status::Unavailable("store busy");
      case SinkMode::kDeadline:
        break;
    }
    return Status::DeadlineExceeded("commit budget spent");
  }
  SinkMode mode = SinkMode::kInserted;
  std::vector<Call> calls;
};

struct ReminderCall {
  std::string account, name, subscription_id;
};

constexpr const char* kReminderFilter = "/restapi/v1.0/subscription/~?threshold=60&interval=15";

Route MakeRoute(std::string token, std::string remote_id, bool relayed) {
  Route r;
  r.verification_token = Secret(std::move(token));
  r.reminder_filter = std::make_shared<const std::string>(kReminderFilter);
  r.remote_id = std::move(remote_id);
  r.relayed = relayed;
  return r;
}

struct Fixture {
  Fixture() : receiver(routes, sink, OnReminder(), clock, Options()) {
    RouteMap map;
    map["main/sms"] = MakeRoute("tok-sms-6f1c2a", "sub-1", true);
    // An empty configured token must never match, not even an empty header.
    map["main/presence"] = MakeRoute("", "sub-2", true);
    // No remote id yet: a reminder is stored but must not trigger a renewal. Not relayed: its
    // events are stored with nothing to deliver.
    map["ops/voicemail"] = MakeRoute("tok-vm", "", false);
    routes.Publish(map);
    expected_routes = map;
  }
  subkeeper::webhook::ReminderCallback OnReminder() {
    return [this](const std::string& account, const std::string& name, const std::string& id) {
      reminders.push_back({account, name, id});
    };
  }
  static subkeeper::webhook::ReceiverOptions Options() {
    subkeeper::webhook::ReceiverOptions options;
    options.max_body_bytes = kMaxBody;
    options.commit_budget = kBudget;
    return options;
  }

  subkeeper::webhook::RouteTable routes;
  RouteMap expected_routes;
  MemorySink sink;
  subkeeper::ManualClock clock;
  std::vector<ReminderCall> reminders;
  WebhookReceiver receiver;
};

struct Request {
  SinkMode mode = SinkMode::kInserted;
  std::string path;
  Headers headers;
  std::string body;
};

Request Split(std::string_view in) {
  Request r;
  if (in.empty()) return r;
  r.mode = static_cast<SinkMode>(static_cast<unsigned char>(in[0]) % 4);
  in.remove_prefix(1);
  size_t eol = in.find('\n');
  r.path = std::string(in.substr(0, eol));
  if (eol == std::string_view::npos) return r;
  in.remove_prefix(eol + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    std::string_view line = in.substr(0, eol);
    in.remove_prefix(eol == std::string_view::npos ? in.size() : eol + 1);
    if (line.empty()) {
      r.body = std::string(in);
      break;
    }
    const size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    r.headers.emplace_back(std::string(name), std::string(value));
  }
  return r;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// The reference for Headers::Find: the first header whose name matches ASCII case-insensitively.
const std::string* ReferenceFind(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return &value;
  }
  return nullptr;
}

void CheckFindHeader(const Headers& headers) {
  for (const auto& [key, value] : headers) {
    std::string upper = key, lower = key;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    for (char& c : lower) c = Lower(c);
    for (const std::string& name : {key, upper, lower}) {
      const std::string* found = headers.Find(name);
      FUZZ_CHECK(found != nullptr);
      FUZZ_CHECK(found == ReferenceFind(headers, name));
    }
  }
  for (std::string_view name : {"Verification-Token", "validation-token", "", "Content-Type"}) {
    FUZZ_CHECK(headers.Find(name) == ReferenceFind(headers, name));
  }
}

void CheckErrorBody(const WebhookResponse& r);

// receiver.h: only 1..kMaxValidationTokenChars visible ASCII characters are echoed.
bool EchoableToken(std::string_view token) {
  if (token.empty() || token.size() > WebhookReceiver::kMaxValidationTokenChars) return false;
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

void CheckHandshake(std::string_view token) {
  const WebhookResponse r = WebhookReceiver::Handshake(token);
  const std::string* echoed = r.headers.Find("Validation-Token");
  const std::string* type = r.headers.Find("Content-Type");
  FUZZ_CHECK(type != nullptr && *type == "application/json");
  if (!EchoableToken(token)) {
    FUZZ_CHECK(r.status == 400);
    FUZZ_CHECK(echoed == nullptr);
    CheckErrorBody(r);
    return;
  }
  FUZZ_CHECK(r.status == 200);
  FUZZ_CHECK(r.body.empty());
  FUZZ_CHECK(echoed != nullptr && *echoed == token);
  size_t bytes = kHttpOverheadBytes;
  for (const auto& [name, value] : r.headers) bytes += name.size() + 2 + value.size() + 2;
  if (token.size() <= kShortToken) FUZZ_CHECK(bytes < 1024);
}

// The route key receiver.h documents: "/webhooks/<account>/<name>", both segments non-empty.
std::optional<std::string> ExpectedKey(std::string_view path) {
  constexpr std::string_view kPrefix = "/webhooks/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return {};
  if (rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;
  return std::string(rest);
}

void CheckErrorBody(const WebhookResponse& r) {
  const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(doc.is_object());
  auto error = doc.find("error");
  FUZZ_CHECK(error != doc.end() && error->is_string() && !error->get<std::string>().empty());
}

// The account and name a route key "<account>/<name>" names.
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  const size_t slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// What must have been committed for an accepted envelope; the record's account and name come
// from the route's path.
void CheckRecord(const Fixture& f, const std::string& key, const Route& route, const Request& req,
                 const subkeeper::webhook::Notification& n) {
  const auto [account, name] = SplitKey(key);
  FUZZ_CHECK(f.sink.calls.size() == 1);
  const MemorySink::Call& call = f.sink.calls.front();
  const EventRecord& e = call.event;
  FUZZ_CHECK(e.uuid == n.uuid && e.event == n.event && e.subscription_id == n.subscription_id);
  FUZZ_CHECK(e.account == account && e.name == name);
  FUZZ_CHECK(e.body == req.body);
  FUZZ_CHECK(e.received_at == f.clock.Now());
  FUZZ_CHECK(call.deadline == f.clock.SteadyNow() + kBudget);
  const bool reminder = n.event == *route.reminder_filter;
  FUZZ_CHECK(e.kind == (reminder ? subkeeper::store::EventKind::kReminder
                                 : subkeeper::store::EventKind::kEvent));
  FUZZ_CHECK(e.relay_state == (!reminder && route.relayed ? subkeeper::store::RelayState::kPending
                                                          : subkeeper::store::RelayState::kNone));
}

void CheckNotification(Fixture& f, const Request& req) {
  f.sink.mode = req.mode;
  f.sink.calls.clear();
  f.reminders.clear();
  const WebhookResponse r = f.receiver.HandleNotification(req.path, req.headers, req.body);

  const std::string* type = r.headers.Find("Content-Type");
  FUZZ_CHECK(type != nullptr && *type == "application/json");
  if (r.status == 200) {
    FUZZ_CHECK(r.body.empty());
  } else {
    CheckErrorBody(r);
  }

  const std::optional<std::string> key = ExpectedKey(req.path);
  auto it = key ? f.expected_routes.find(*key) : f.expected_routes.end();
  if (it == f.expected_routes.end()) {
    FUZZ_CHECK(r.status == 404);
    FUZZ_CHECK(f.sink.calls.empty());
    return;
  }
  const Route& route = it->second;
  const std::string* given = req.headers.Find("Verification-Token");
  if (given == nullptr || route.verification_token.empty() ||
      *given != route.verification_token.Reveal()) {
    FUZZ_CHECK(r.status == 403);
    FUZZ_CHECK(f.sink.calls.empty());
    return;
  }
  if (req.body.size() > kMaxBody) {
    FUZZ_CHECK(r.status == 413);
    FUZZ_CHECK(f.sink.calls.empty());
    return;
  }
  const Result<subkeeper::webhook::Notification> parsed =
      subkeeper::webhook::ParseNotification(req.body);
  if (!parsed.ok()) {
    FUZZ_CHECK(r.status == 400);
    FUZZ_CHECK(f.sink.calls.empty());
    return;
  }
  CheckRecord(f, *key, route, req, *parsed);
  const bool committed = req.mode == SinkMode::kInserted || req.mode == SinkMode::kDuplicate;
  // Never a false 200: only a commit the sink confirmed is acknowledged.
  FUZZ_CHECK(r.status == (committed ? 200 : 503));

  const bool renews = req.mode == SinkMode::kInserted && parsed->event == *route.reminder_filter &&
                      !route.remote_id.empty() && parsed->subscription_id == route.remote_id;
  FUZZ_CHECK(f.reminders.size() == (renews ? 1u : 0u));
  if (renews) {
    const auto [account, name] = SplitKey(*key);
    FUZZ_CHECK(f.reminders[0].account == account && f.reminders[0].name == name &&
               f.reminders[0].subscription_id == route.remote_id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();  // leaked on purpose: no destruction-order questions
  const Request req = Split(std::string_view(reinterpret_cast<const char*>(data), size));
  CheckFindHeader(req.headers);
  const std::string* token = req.headers.Find("Validation-Token");
  CheckHandshake(token != nullptr ? std::string_view(*token) : std::string_view(req.path));
  CheckNotification(*fixture, req);
  return 0;
}
