// What the modules report for the Prometheus metrics, without depending on a metrics library:
// the app installs an implementation (app/metrics.h); until then reports go nowhere. Every
// method is thread-safe and cheap (a counter increment); labels come from small fixed sets.
#pragma once

#include <chrono>
#include <string_view>

#include "subkeeper/common/clock.h"

namespace subkeeper::metrics {

class Hook {
 public:
  virtual ~Hook() = default;
  // A lifecycle history row was written: kind (renewed, recreated, failed, …), the renewal
  // trigger for "renewed", the detail (reason or error) otherwise.
  virtual void History(std::string_view /*kind*/, std::string_view /*trigger*/,
                       std::string_view /*detail*/) {}
  // A platform call was answered (`status` the HTTP status) or failed without an answer (0).
  virtual void PlatformCall(std::string_view /*group*/, int /*status*/) {}
  // A notification was committed (not a duplicate) for (account, name), received at `at`.
  virtual void EventAccepted(std::string_view /*account*/, std::string_view /*name*/,
                             WallTime /*at*/) {}
  // The relay delivered an event to the app, or gave up on one (dead-lettered).
  virtual void EventRelayed() {}
  virtual void EventDeadLettered() {}
  // A validation handshake (`handshake`) or another webhook request was answered, `elapsed`
  // after its first byte arrived until the answer was written.
  virtual void WebhookAnswered(bool /*handshake*/, std::chrono::nanoseconds /*elapsed*/) {}
};

// The installed hook (a no-op one when none is).
Hook& Current();
// Installs `hook` (nullptr: back to the no-op). `hook` must outlive its installation.
void Install(Hook* hook);

}  // namespace subkeeper::metrics
