// The one-shot commands that talk to the store and the platform without running the daemon.
// Each returns the process exit code and writes its output to stdout, errors to stderr.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
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

// Parses --since: an ISO 8601 time ("2026-11-22T08:00:00Z") or an age back from `now` ("90s",
// "30m", "6h", "7d").
Result<WallTime> ParseSince(std::string_view text, WallTime now);

// Puts events back in the relay queue: delivered and dead ones (only dead with `dead_only`),
// optionally of one account and/or name, received at or after `since` (unset = any time). A
// running keeper picks them up within a second; otherwise they go at its next start. Exit 0 on
// success (also when nothing matched), 1 on error.
int ReplayCommand(const config::Config& config, const std::string& account, const std::string& name,
                  WallTime since, bool dead_only);
// The running daemon's admin URL for this config, where status, renew and replay send the admin
// token. Always listen.admin's host (0.0.0.0 and :: as loopback) and, when listen.admin names
// a port, that port: the file next to the database never redirects the token elsewhere. Only
// with port 0 is the port taken from the URL the daemon wrote next to the database, and only
// when that file is a regular file owned by this user, not writable by group or others, and its
// URL is listen.admin's host with a port (http://<host>:<1-65535>).
std::string AdminUrl(const config::Config& config);

// `subkeeper status`: the running daemon's view of every configured subscription (or of
// account/name) as a table, or its JSON. Exit 0 = shown and every one Ready, 3 = shown and some
// not Ready, 1 = the daemon did not answer (or an error).
int StatusCommand(const config::Config& config, const std::string& account, const std::string& name,
                  bool json);

// `subkeeper renew NAME`: asks the running daemon to renew the subscription now and waits (up
// to `wait`) for the outcome. Exit 0 = renewed, 1 = failed, not found, timed out or no daemon.
int RenewCommand(const config::Config& config, const std::string& account, const std::string& name,
                 std::chrono::seconds wait);

}  // namespace subkeeper::app
