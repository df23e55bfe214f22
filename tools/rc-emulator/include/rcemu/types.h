// Value types shared by the emulator's state machine (rcemu::Platform), its HTTP adapter
// (rcemu::Server) and the in-process users (tests, the simulation). None of these types knows
// about an HTTP library or about real time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/http/http.h"

namespace rcemu {

using subkeeper::Millis;
using subkeeper::Seconds;
using subkeeper::WallTime;
using Headers = subkeeper::http::Headers;

// Header fields; look one up with Headers::Find (case-insensitive).

// One inbound platform API or control call.
struct Request {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string target;  // path plus optional "?query", e.g. "/restapi/v1.0/subscription"
  Headers headers;
  std::string body;
};

// The answer to a Request. `delay` and `drop` are instructions to the transport adapter (they
// come from injected faults): wait `delay` before answering; when `drop` is true, do not send a
// usable answer at all but break the connection.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  Millis delay{0};
  bool drop = false;
};

// Throttling groups, as in docs/platform.md §7.
enum class RateGroup { kLight, kMedium, kHeavy, kAuth };
// "light", "medium", "heavy", "auth" (the X-Rate-Limit-Group value).
const char* RateGroupName(RateGroup group);

// Requests per user per 60 s window, by group.
struct RateLimits {
  int light = 50;
  int medium = 40;
  int heavy = 10;
  int auth = 5;
  int For(RateGroup group) const;
};

// Everything configurable about the emulated platform. Units are in the field types.
struct Options {
  std::string client_id = "demo-client";
  subkeeper::Secret client_secret{"demo-secret"};
  // Used for "uri" fields when the request carries no Host header.
  std::string base_url = "http://127.0.0.1:18080";
  // Period of the reminder/expiry job; also the minimum reminder threshold and interval.
  Seconds reminder_job_interval{5};
  Seconds access_token_ttl{3600};
  Seconds refresh_token_ttl{604800};
  int blacklist_after = 3;  // consecutive failed deliveries before "Blacklisted"
  RateLimits rate_limits;
  Seconds penalty{60};  // 429 penalty per user and group
  Millis handshake_timeout{3000};
  Millis delivery_timeout{3000};
  bool reminders_enabled = true;
  int max_subscriptions_per_user = 30;
  // Seed of every generated id and token. Fixed in tests (deterministic ids); random in the
  // executable so tokens cannot be guessed across runs.
  std::string seed = "rc-emulator";
  // Demo traffic: every this often, each Active subscription gets one event for its first
  // non-reminder filter (delivered by the reminder job, so at its granularity). 0 = off.
  Seconds demo_events_interval{0};
  // Key material of the app sink (/_emulator/app/...): empty = signatures are not checked.
  subkeeper::Secret app_secret;
};

// The subset of Options changeable at run time through POST /_emulator/settings.
struct Settings {
  bool reminders_enabled = true;
  Seconds reminder_job_interval{5};
  int blacklist_after = 3;
  Seconds access_token_ttl{3600};
};

enum class DeliveryKind { kValidation, kReminder, kEvent };
const char* DeliveryKindName(DeliveryKind kind);  // "validation", "reminder", "event"

// An outbound POST the platform wants to make to a subscriber. Carries the verification token,
// so it must never be logged as a whole.
struct Delivery {
  DeliveryKind kind = DeliveryKind::kEvent;
  std::string subscription_id;
  std::string address;
  subkeeper::Secret verification_token;  // empty: header not sent
  std::string event;
  std::string uuid;
  std::string body;  // the JSON envelope (empty for a validation request)
};

// What happened to one Delivery.
struct DeliveryOutcome {
  std::string uuid;
  int status = 0;  // the subscriber's HTTP status; 0 when no answer arrived
  int64_t latency_ms = 0;
  int64_t response_bytes = 0;  // see ResponseBytes() in platform.h
  std::string error;           // empty on success
  bool ok = false;             // 2xx within the delivery timeout
};

// One platform API call as recorded in the call log (GET /_emulator/calls).
struct CallRecord {
  int64_t seq = 0;
  WallTime time;
  std::string method;
  std::string path;
  int status = 0;  // 0 when the connection was dropped by a fault
  std::string group;
  std::string user;         // extension id; empty when the caller was not identified
  bool in_penalty = false;  // rejected because the group was already in a 429 penalty
  std::string agent;        // the caller's User-Agent ("" when it sent none)
};

// One outbound request as recorded in the delivery log (GET /_emulator/deliveries).
struct DeliveryRecord {
  int64_t seq = 0;
  WallTime time;
  std::string subscription_id;
  DeliveryKind kind = DeliveryKind::kEvent;
  std::string event;
  std::string uuid;
  int status = 0;
  int64_t latency_ms = 0;
  int64_t response_bytes = 0;
  std::string error;
};

enum class FaultKind { kStatus, kLatency, kRateLimit, kDrop };

// Applies to the next `count` platform API calls matching `method` (empty: any) and
// `path_prefix` (empty: any), token calls included; control calls are never affected.
struct Fault {
  FaultKind kind = FaultKind::kStatus;
  int count = 1;
  std::string method;
  std::string path_prefix;
  int status = 503;                    // kStatus
  Millis latency{0};                   // kLatency
  std::optional<Seconds> retry_after;  // kRateLimit; default: Options::penalty
  // kStatus: the error message quotes the request's Authorization header and body, as a
  // careless gateway does (for testing that the client never logs what comes back).
  bool echo_request = false;
};

}  // namespace rcemu
