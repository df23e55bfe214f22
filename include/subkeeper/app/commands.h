// The one-shot commands that talk to the store and the platform without running the daemon.
// Each returns the process exit code and writes its output to stdout, errors to stderr.
#pragma once

#include <string>

#include "subkeeper/config/config.h"

namespace subkeeper::app {

// Prints the reconcile plan (human-readable, or JSON). Exit 0 = no changes, 2 = changes,
// 1 = error (including an account whose list call failed: the plan would be incomplete).
int PlanCommand(const config::Config& config, bool json);

// Plans and applies once, then exits: 0 when every action succeeded, 1 otherwise. Creating a
// relayed subscription needs the keeper's webhook listener reachable (the platform's handshake),
// so run it while the daemon is up, or for direct subscriptions.
int ApplyCommand(const config::Config& config);

// Prints the lifecycle history, oldest first, optionally of one account and/or name.
int HistoryCommand(const config::Config& config, const std::string& account,
                   const std::string& name, int limit);

}  // namespace subkeeper::app
