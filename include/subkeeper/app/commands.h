// The one-shot commands that talk to the store and the platform without running the daemon.
// Each returns the process exit code and writes its output to stdout, errors to stderr.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"

namespace subkeeper::app {

struct PlanOptions {
  bool json = false;  // the plan as JSON (reconcile::PlanDocument + "errors", "first_run")
  bool detailed_exitcode = false;  // exit 2 when there are changes
};

// Prints the reconcile plan (human-readable, or JSON). Never writes: the database is opened
// read-only, and when there is none the plan is made from an empty store (a first run, said in a
// note line) without creating it. Exit 0 = planned; with detailed_exitcode 0 = no changes, 2 =
// changes. 1 = error, including an account that could not be observed (its list call or its
// login failed): the plan is incomplete, says so per account, and never says "No changes.".
int PlanCommand(const config::Config& config, const PlanOptions& options);

// Plans and applies once, then exits: 0 when every action succeeded, 1 otherwise. Prints the
// plan and "Applied N of M action(s)." (only "No changes." when there was nothing to do), or
// with `json` one document {"plan","applied","actions","failed","skipped","errors"}. Creating a
// relayed subscription needs the keeper's webhook listener reachable (the platform's handshake),
// so run it while the daemon is up, or for direct subscriptions. Creates the database if needed.
int ApplyCommand(const config::Config& config, bool json);

struct HistoryOptions {
  std::string account;  // "" = every account
  std::string name;     // "" = every name
  int limit = 1000;
  bool json = false;  // an array of {"at","account","name","kind","trigger","remote_id","detail"}
};

// Prints the lifecycle history, oldest first. Opens the database read-only and never creates
// it: without one, exit 1 with "no database at PATH; the keeper creates it when it first runs".
int HistoryCommand(const config::Config& config, const HistoryOptions& options);

// Parses --since: an ISO 8601 time ("2026-11-22T08:00:00Z") or an age back from `now` ("90s",
// "30m", "6h", "7d").
Result<WallTime> ParseSince(std::string_view text, WallTime now);

struct ReplayOptions {
  std::string account;  // "" = every account
  std::string name;     // "" = every name
  WallTime since{};     // unset = any time
  bool dead_only = false;
  bool json = false;  // {"queued":N,"dead_only":bool,"woken":bool}
};

// Puts events back in the relay queue: delivered and dead ones (only dead with `dead_only`),
// optionally of one account and/or name, received at or after `since`. A running keeper picks
// them up within a second; otherwise they go at its next start. Exit 0 on success (also when
// nothing matched), 1 on error.
int ReplayCommand(const config::Config& config, const ReplayOptions& options);

struct MigrateOptions {
  Secret conninfo;            // --to-postgres: a libpq connection string
  std::string conninfo_file;  // --to-postgres-file: read when `conninfo` is empty
  bool json = false;          // {"sqlite","database","tables":{"subscriptions":N,…}}
};

// `subkeeper migrate`: copies the config's store.sqlite file into the empty PostgreSQL database
// of `options` (store::CopySqliteToPostgres: every row, one transaction) and prints the rows
// copied per table. Refuses a config that names store.postgres, a missing or outdated SQLite
// file, and a target with any row. The connection string is never printed. Exit 0 = copied,
// 1 = nothing copied (an error, said on stderr).
int MigrateCommand(const config::Config& config, const MigrateOptions& options);

// The running daemon's admin URL for this config, where status, renew and replay send the admin
// token. Always listen.admin's host (0.0.0.0 and :: as loopback) and, when listen.admin names
// a port, that port: no file ever redirects the token elsewhere. Only with port 0 is the port
// taken from the run-state file (listen.state_file, see run_state.h ReadAdminPort); without a
// trusted one the URL keeps port 0, which no request reaches.
std::string AdminUrl(const config::Config& config);

// `subkeeper status`: the running daemon's view of every configured subscription (or of
// account/name) as a table, or its JSON. Exit 0 = shown and every one Ready, 3 = shown and some
// not Ready, 1 = the daemon did not answer (or an error).
int StatusCommand(const config::Config& config, const std::string& account, const std::string& name,
                  bool json);

// `subkeeper renew NAME`: asks the running daemon to renew the subscription now and waits (up
// to `wait`) for the outcome. With `json`, the outcome is {"account","name","trigger",
// "expires_at"} on stdout; failures stay on stderr. Exit 0 = renewed, 1 = failed, not found,
// timed out or no daemon.
int RenewCommand(const config::Config& config, const std::string& account, const std::string& name,
                 std::chrono::seconds wait, bool json);

// `subkeeper generate-secret`: prints relay::NewSigningSecret() (or {"secret": …} with `json`).
// Exit 0.
int GenerateSecretCommand(bool json);

}  // namespace subkeeper::app
