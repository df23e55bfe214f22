// The keeper's environment: everything it reaches outside its own memory — time, the two HTTP
// transports, the store, randomness and its identity towards other replicas — handed in rather
// than constructed (the role of leveldb's Env and ninja's DiskInterface). The daemon and the
// one-shot commands build a production one (SystemEnv, src/app/system_env.h); tests and the
// deterministic simulation build theirs from a ManualClock and in-process transports.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"
#include "subkeeper/http/http.h"
#include "subkeeper/store/store.h"

namespace subkeeper::app {

struct KeeperEnv {
  // Opens (or creates, in kReadWrite) the store the config's `store` section names: the SQLite
  // file or the PostgreSQL database. Errors as store::OpenSqliteStore and
  // store::OpenPostgresStore: kNotFound in kReadOnly when there is none.
  using StoreOpener = std::function<Result<std::unique_ptr<store::Store>>(
      const config::StoreConfig& where, store::OpenMode mode)>;

  // Wall time for expiries, monotonic time for intervals. Never null; must outlive the keeper.
  const Clock* clock = nullptr;
  // The platform client's transport (REST and OAuth calls). Never null; must outlive the keeper.
  http::HttpTransport* platform = nullptr;
  // The relay's transport (deliveries to the app). Its own, so a slow app shares nothing with
  // the platform client. May be null when nothing relays (one-shot commands, the simulation).
  http::HttpTransport* relay = nullptr;
  StoreOpener open_store;
  // A uniform value in [0, 1) for jitter (reconcile cadence, scheduler, backoff, relay retries).
  // Called from several threads in the daemon: must be thread-safe there.
  std::function<double()> unit_random;
  // Written into the leases this keeper takes: stable across restarts of one host (a lease left
  // by a killed process does not block its successor), distinct between replicas.
  std::string lease_owner;
  // The User-Agent of platform calls ("" = none): "subkeeper/<version>", with " replica/<id>"
  // when SUBKEEPER_REPLICA_ID names the replica (the hostname is not sent to the platform).
  std::string user_agent;
};

}  // namespace subkeeper::app
