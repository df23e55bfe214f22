// The one composition root: turns an environment (KeeperEnv) and a config into the keeper's
// parts. Used by the controller (the daemon and the simulation) and by the one-shot commands,
// so that they all talk to the store and the platform alike. Private to the app module.
#pragma once

#include <memory>

#include "subkeeper/app/env.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/store.h"

namespace subkeeper::app {

// What depends on the config's platform credentials and renewal settings: rebuilt on reload.
struct Runtime {
  std::shared_ptr<platform::RestClient> api;  // shared with status readers
  std::unique_ptr<renewal::RenewalService> renewal;
  std::unique_ptr<reconcile::Executor> executor;
};

// The platform client (reusing `api`, its tokens and rate-limit state, when given; otherwise
// asking `gate`, when given, before every call), the renewal service (env.lease_owner,
// env.unit_random) and the executor over `store`. `env`'s clock and platform transport, `store`,
// `state` and `gate` (when given) must outlive the runtime.
std::unique_ptr<Runtime> MakeRuntime(const KeeperEnv& env, const config::Config& config,
                                     store::Store& store, platform::AccountStateStore* state,
                                     platform::CallGate* gate = nullptr,
                                     std::shared_ptr<platform::RestClient> api = nullptr);

// The store and everything built over it. Destroyed runtime first (it refers to the others).
struct Components {
  std::unique_ptr<store::Store> store;
  // Where the platform client keeps tokens and penalties when not in `store` itself (plan: a
  // read-only view of it); null = the store.
  std::unique_ptr<platform::AccountStateStore> account_state;
  std::unique_ptr<Runtime> runtime;
};

// Opens config.store.sqlite_path through env.open_store in `mode` and builds the runtime over it,
// the platform client keeping its tokens and penalties in the store. Errors: those of opening
// the store (kNotFound in kReadOnly when there is none).
Result<Components> MakeComponents(const KeeperEnv& env, const config::Config& config,
                                  store::OpenMode mode = store::OpenMode::kReadWrite);

}  // namespace subkeeper::app
