// rcemu::Platform — the emulated RingCentral platform as a state machine.
//
// It implements what docs/platform.md documents: OAuth (JWT bearer
// and single-use refresh grants, revoke), subscription create/list/get/update/renew/delete with
// the validation handshake and its error codes, `~` rewriting, reminders in the threshold window,
// expiry and purge, blacklisting of failing endpoints, per-user rate limits with 429 penalties,
// SUB-505 / SUB-515 / SUB-508; plus the /_emulator control API (faults, logs, settings).
//
// Time: every entry point takes `now` (wall time); the injected Clock is used only to measure
// the latency of outbound requests (SteadyNow before/after a Send), so a test can simulate a slow
// subscriber by advancing a ManualClock inside a fake transport.
//
// Outbound HTTP (validation handshake, reminders, notifications) goes through the injected
// HttpTransport, always outside the state lock, so a slow subscriber never blocks other calls.
//
// Thread-safety: every public method may be called from any thread concurrently.
// Ownership: the transport and clock are borrowed and must outlive the Platform.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcemu/app_sink.h"
#include "rcemu/types.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"

namespace rcemu {

// A filter the platform refused to apply (SubscriptionInfo.disabledFilters).
struct DisabledFilter {
  std::string filter;
  std::string reason;
};

// A read-only copy of one live subscription, for the control API and in-process observers.
struct SubscriptionSnapshot {
  std::string id;
  std::string owner_id;                    // extension id of the owning user
  std::string account_id;                  // account id of the owning user
  std::vector<std::string> event_filters;  // as returned by the API (`~` rewritten)
  std::vector<DisabledFilter> disabled_filters;
  std::string address;
  bool verification_token_set = false;
  std::string status;  // "Active" or "Blacklisted"
  WallTime creation_time;
  WallTime expiration_time;
  int64_t ttl_s = 0;  // the granted expiresIn; renew keeps it
  int failures = 0;   // consecutive failed deliveries
  std::string blacklist_reason;
  std::optional<WallTime> blacklisted_at;
};

// The size a response would have had on the wire: status line ("HTTP/1.1 200 OK\r\n"), each
// "Name: value\r\n", the blank line, and the body. HTTP client libraries do not expose the raw
// bytes, so the 1024-byte handshake rule (SUB-525) is checked against this reconstruction.
int64_t ResponseBytes(const subkeeper::http::HttpResponse& response);

class Platform {
 public:
  Platform(Options options, subkeeper::http::HttpTransport& transport,
           const subkeeper::Clock& clock);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // Answers one call: platform API paths (/restapi/...) or, for /_emulator/..., HandleControl.
  // A subscription create performs the validation handshake synchronously (outside the lock).
  // Every API call is appended to the call log; control calls never are.
  Response Handle(const Request& request, WallTime now);

  // Answers one /_emulator/... control call (no auth, no rate limits, not logged).
  Response HandleControl(const Request& request, WallTime now);

  // One pass of the reminder/expiry job: purges subscriptions with now >= expirationTime and
  // expired sessions, and returns the deliveries that are due (marking them sent): demo events
  // (Options::demo_events_interval, the same notification Notify() sends) first, then reminders.
  // The caller performs them with Deliver(), in any order, outside any lock of its own.
  std::vector<Delivery> Tick(WallTime now);

  // How many subscriptions Tick has purged because they reached their expirationTime (not
  // counting Purge(), deletes, or an expired subscription an API call found first).
  int64_t ExpiredPurges() const;

  // Sends `delivery` through the transport, records it in the delivery log and feeds the result
  // into the subscription's failure counter (blacklisting). Skips (error "not delivered") a
  // subscription that is gone or blacklisted by the time of sending.
  DeliveryOutcome Deliver(const Delivery& delivery, WallTime now);

  // --- Control operations (also reachable through HandleControl). ---
  // Each returns false / kNotFound when no live subscription has `id`.
  bool Purge(std::string_view id);
  bool Blacklist(std::string_view id, std::string reason, WallTime now);
  bool DisableFilter(std::string_view id, std::string filter, std::string reason);
  // Builds an event notification for `id` (event default: its first non-reminder filter; body
  // default {}) and delivers it now. kNotFound for an unknown id; kFailedPrecondition when the
  // subscription is blacklisted (no more deliveries) or has no event filter to use.
  subkeeper::Result<DeliveryOutcome> Notify(std::string_view id, std::optional<std::string> event,
                                            std::optional<std::string> body_json,
                                            std::optional<std::string> uuid, WallTime now);
  void AddFault(Fault fault);
  void ClearFaults();
  Settings GetSettings() const;
  void UpdateSettings(const Settings& settings);
  void RevokeJwt(std::string assertion);

  std::vector<SubscriptionSnapshot> Subscriptions() const;
  std::vector<CallRecord> Calls() const;
  void ClearCalls();
  std::vector<DeliveryRecord> Deliveries() const;
  void ClearDeliveries();
  // What the app sink (POST /_emulator/app/...) received, oldest first.
  std::vector<AppRecord> AppRecords() const;

  // Logs keep at most this many records each (oldest dropped; seq keeps counting).
  static constexpr size_t kMaxLogRecords = 100000;

  struct Impl;  // internal; defined in tools/rc-emulator/platform_impl.h

 private:
  std::unique_ptr<Impl> impl_;
  int64_t expired_purges_ = 0;  // guarded by impl_->mu
};

}  // namespace rcemu
