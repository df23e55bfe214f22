// The composition root: the only place that constructs concrete implementations (SQLite store,
// curl transport, REST client, listeners, scheduler) and wires them together.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"

namespace subkeeper::app {

struct DaemonOptions {
  // When set, {"webhooks":P,"admin":P,"public_url":U} is written there (atomically) once both
  // listeners are bound — how tests and scripts learn ports chosen with port 0.
  std::string port_file;
};

// Runs the keeper until SIGINT or SIGTERM: opens the store, starts the webhook and admin
// listeners, reconciles at start-up, then renews on reminders and timers. Returns OK on a clean
// stop, or the error that prevented start-up (store, bind, …).
// REQUIRES: called from the main thread before any other thread exists (it blocks the handled
// signals so every thread it starts inherits the mask, then waits for them with sigwait).
Status RunDaemon(const config::Config& config, const DaemonOptions& options);

}  // namespace subkeeper::app
