// Whether this keeper may send a platform call for an account now. With several keepers on one
// database only the holder of an account's claim calls the platform for it, and only while its
// claim is trusted for the call's whole timeout (docs/replicas.md, "The trust window"): a call
// that could still be in flight when the claim lapses is not sent. The app module implements it
// over the store's claims; without one (a single keeper) every call is admitted.
#pragma once

#include <chrono>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper::platform {

class CallGate {
 public:
  virtual ~CallGate() = default;
  // OK when a call for `account` that may take up to `timeout` may be sent now. Otherwise
  // kUnavailable saying why (another keeper holds the account, or this keeper's claim is not
  // trusted that long); nothing is sent and nothing is counted against the account's budgets.
  // Thread-safe.
  virtual Status Admit(std::string_view account, std::chrono::milliseconds timeout) = 0;
};

}  // namespace subkeeper::platform
