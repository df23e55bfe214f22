// Internal to rc_emulator_lib: the state behind rcemu::Platform and the helpers its .cc files
// share. Not a public header.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rcemu/app_sink.h"
#include "rcemu/filters.h"
#include "rcemu/platform.h"
#include "rcemu/rate_limiter.h"
#include "subkeeper/common/mutex.h"

namespace rcemu {
namespace internal {

struct User {
  std::string account_id;
  std::string extension_id;
};

// One login: the current access token and refresh token. A refresh replaces both.
struct Session {
  std::string id;
  User user;
  std::string access_token;
  WallTime access_expires;
  std::string refresh_token;
  WallTime refresh_expires;
};

struct Subscription {
  std::string id;
  User owner;
  std::vector<std::string> filters;  // as requested (`~` kept)
  std::optional<ReminderFilter> reminder;
  std::string address;
  subkeeper::Secret verification_token;
  WallTime creation;
  WallTime expiration;
  int64_t ttl_s = 0;
  bool blacklisted = false;
  std::string blacklist_reason;
  WallTime blacklisted_at;
  std::vector<DisabledFilter> disabled;
  int failures = 0;
  std::optional<WallTime> last_reminder;    // reset by create/renew
  std::optional<WallTime> last_demo_event;  // Options::demo_events_interval
};

enum class Op { kToken, kRevoke, kList, kCreate, kGet, kUpdate, kDelete, kRenew, kUnknown };

struct Route {
  Op op = Op::kUnknown;
  RateGroup group = RateGroup::kLight;
  std::string path;  // without query
  std::string subscription_id;
};
Route ClassifyRoute(const std::string& method, const std::string& path);

// What one API call accumulated on its way through the pipeline (for headers and the call log).
struct CallContext {
  Route route;
  std::string base_url;
  std::string user;  // extension id once identified
  bool in_penalty = false;
  std::optional<Admission> admission;
  Millis delay{0};
};

// A create that passed validation and waits for its handshake.
struct PendingCreate {
  Subscription sub;
  Delivery handshake;
};

// The outcome of one outbound Send, measured with the injected clock.
struct SendResult {
  std::optional<subkeeper::http::HttpResponse> response;  // nullopt: no answer
  subkeeper::StatusCode error = subkeeper::StatusCode::kOk;
  int64_t latency_ms = 0;
  bool timed_out = false;  // transport deadline, or an answer later than the timeout
};

// Deterministic ids and tokens derived from Options::seed and a counter.
class IdGen {
 public:
  explicit IdGen(std::string seed) : seed_(std::move(seed)) {}
  std::string Hex(size_t bytes);  // 2*bytes lower-case hex chars (bytes <= 32)
  std::string Uuid();             // 8-4-4-4-12
 private:
  std::string seed_;
  uint64_t counter_ = 0;
};

// Response builders.
Response JsonResponse(int status, const nlohmann::json& body);
// {"errorCode":top,"message":m,"errors":[{"errorCode":code,"message":m[,"parameterName":p]}]
//  [,"parameterName":p]}; `top` defaults to `code`.
Response ApiError(int status, const std::string& code, const std::string& message,
                  const std::string& parameter = "", const std::string& top_code = "");
Response OAuthError(int status, const std::string& error, const std::string& description,
                    const std::string& code);
Response InvalidParameter(const std::string& parameter);  // 400 CMN-101
Response SubscriptionNotFound();                          // 404 CMN-102

std::string PathOf(const std::string& target);
std::map<std::string, std::string> ParseForm(const std::string& body);
// http::ReasonPhrase, or "Unknown" for a code it does not name.
std::string ReasonPhrase(int status);

}  // namespace internal

struct Platform::Impl {
  Impl(Options opts, subkeeper::http::HttpTransport& http, const subkeeper::Clock& clk);

  // --- platform.cc: the API pipeline ---
  Response Begin(const Request& req, internal::CallContext& ctx, WallTime now,
                 std::optional<internal::PendingCreate>* pending) REQUIRES(mu);
  std::optional<Response> ApplyFault(const Request& req, internal::CallContext& ctx, WallTime now)
      REQUIRES(mu);
  std::optional<Response> Admit(internal::CallContext& ctx, WallTime now) REQUIRES(mu);
  Response Dispatch(const Request& req, internal::CallContext& ctx, const internal::User& user,
                    WallTime now, std::optional<internal::PendingCreate>* pending) REQUIRES(mu);
  void Finish(const Request& req, internal::CallContext& ctx, Response& resp, WallTime now)
      REQUIRES(mu);

  // --- oauth.cc ---
  std::optional<internal::User> TokenCallUser(const Request& req) const REQUIRES(mu);
  Response Token(const Request& req, WallTime now) REQUIRES(mu);
  Response Revoke(const Request& req) REQUIRES(mu);
  // Resolves the bearer token or answers 401 (AGW-401 / OAU-213 / OAU-128).
  std::optional<Response> Authenticate(const Request& req, WallTime now, internal::User* user)
      REQUIRES(mu);
  void PurgeSessions(WallTime now) REQUIRES(mu);

  // --- subscriptions.cc ---
  Response PrepareCreate(const Request& req, const internal::User& user, WallTime now,
                         std::optional<internal::PendingCreate>* pending) REQUIRES(mu);
  Response FinishCreate(const internal::CallContext& ctx, internal::PendingCreate& pending,
                        const internal::SendResult& sent, WallTime now) REQUIRES(mu);
  Response List(const internal::CallContext& ctx, const internal::User& user, WallTime now)
      REQUIRES(mu);
  Response Get(const internal::CallContext& ctx, const internal::User& user, WallTime now)
      REQUIRES(mu);
  Response Update(const Request& req, const internal::CallContext& ctx, const internal::User& user,
                  WallTime now) REQUIRES(mu);
  Response Renew(const internal::CallContext& ctx, const internal::User& user, WallTime now)
      REQUIRES(mu);
  Response Delete(const internal::CallContext& ctx, const internal::User& user, WallTime now)
      REQUIRES(mu);
  // The caller's live subscription `id`, or nullptr (unknown, someone else's, or expired).
  internal::Subscription* Owned(const std::string& id, const internal::User& user, WallTime now)
      REQUIRES(mu);
  nlohmann::json SubscriptionJson(const internal::Subscription& sub, const std::string& base_url,
                                  WallTime now) const REQUIRES(mu);
  SubscriptionSnapshot Snapshot(const internal::Subscription& sub) const REQUIRES(mu);

  // --- deliveries.cc ---
  internal::SendResult Send(const Delivery& delivery, Millis timeout) EXCLUDES(mu);
  void RecordDelivery(const Delivery& delivery, const internal::SendResult& sent,
                      const std::string& error, WallTime now) REQUIRES(mu);
  void CountDeliveryResult(const std::string& id, bool ok, const std::string& reason, WallTime now)
      REQUIRES(mu);
  std::vector<Delivery> DueReminders(WallTime now) REQUIRES(mu);
  std::string Envelope(const internal::Subscription& sub, const std::string& event,
                       const std::string& uuid, const nlohmann::json& body, WallTime now) const
      REQUIRES(mu);
  // The first filter of `sub` that is not the reminder, `~` rewritten (as the API returns it).
  std::optional<std::string> FirstEventFilter(const internal::Subscription& sub) const REQUIRES(mu);
  // An event notification for `sub`, as the platform would POST it.
  Delivery EventDelivery(const internal::Subscription& sub, const std::string& event,
                         const std::string& uuid, const nlohmann::json& body, WallTime now) const
      REQUIRES(mu);

  // --- demo_events.cc ---
  // The demo events due at `now` (one per Active subscription with an event filter, every
  // options.demo_events_interval), marking them sent. Empty when the interval is 0.
  std::vector<Delivery> DueDemoEvents(WallTime now) REQUIRES(mu);

  subkeeper::http::HttpTransport& transport;
  const subkeeper::Clock& clock;

  mutable subkeeper::Mutex mu;
  Options options GUARDED_BY(mu);
  internal::IdGen ids GUARDED_BY(mu);
  RateLimiter limiter GUARDED_BY(mu);
  std::map<std::string, internal::Session> sessions GUARDED_BY(mu);  // by session id
  std::map<std::string, std::string> access_tokens GUARDED_BY(mu);   // token -> session id
  std::map<std::string, std::string> refresh_tokens GUARDED_BY(mu);  // token -> session id
  std::set<std::string> revoked_jwts GUARDED_BY(mu);
  std::map<std::string, internal::Subscription> subs GUARDED_BY(mu);  // by id
  std::vector<Fault> faults GUARDED_BY(mu);
  std::deque<CallRecord> calls GUARDED_BY(mu);
  int64_t call_seq GUARDED_BY(mu) = 0;
  std::deque<DeliveryRecord> deliveries GUARDED_BY(mu);
  int64_t delivery_seq GUARDED_BY(mu) = 0;
  int64_t demo_event_seq GUARDED_BY(mu) = 0;

  AppSink app_sink;  // its own lock; not guarded by mu
};

}  // namespace rcemu
