// The daemon's entry point. The composition root is the app module: only it constructs concrete
// implementations (SQLite store, curl transport, REST client, listeners, scheduler).
#pragma once

#include <string>

#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"

namespace subkeeper::app {

struct DaemonOptions {
  // The config file, re-read on SIGHUP and when its content changes.
  std::string config_path;
  // When set, the run-state file goes there instead of listen.state_file (`run --state-file`):
  // see app/run_state.h. How tests and scripts learn ports chosen with port 0.
  std::string state_file;
  // When set ("text" or "json"), the log format whatever log.format says, also after a reload
  // (`run --log-format`, $SUBKEEPER_LOG_FORMAT).
  std::string log_format;
};

// Runs the keeper until SIGINT or SIGTERM: opens the store, starts the webhook and admin
// listeners, then renews on reminders and timers and reconciles each account (at start-up,
// spread over time when there are many, then every renewal.reconcile_interval ±10 %); reloads
// on SIGHUP and when the config file's content changes (inotify on its directory). Between due
// work it sleeps: no polling loop. Returns OK on a clean stop, or the error that prevented
// start-up (store, bind, …).
// REQUIRES: called from the main thread before any other thread exists (it blocks the handled
// signals so every thread it starts inherits the mask, then reads them from a signalfd).
Status RunDaemon(config::Config config, const DaemonOptions& options);

}  // namespace subkeeper::app
