#include "compose.h"

#include "wiring.h"

namespace subkeeper::app {

std::unique_ptr<Runtime> MakeRuntime(const KeeperEnv& env, const config::Config& config,
                                     store::Store& store, platform::AccountStateStore* state,
                                     platform::CallGate* gate,
                                     std::shared_ptr<platform::RestClient> api) {
  auto runtime = std::make_unique<Runtime>();
  runtime->api =
      api ? std::move(api)
          : MakePlatformClient(config, *env.platform, *env.clock, state, gate, env.user_agent);
  runtime->renewal = std::make_unique<renewal::RenewalService>(
      store, *runtime->api, *env.clock, MakeServiceOptions(config, env.lease_owner),
      env.unit_random);
  runtime->executor =
      std::make_unique<reconcile::Executor>(store, *runtime->api, *runtime->renewal, *env.clock);
  return runtime;
}

Result<Components> MakeComponents(const KeeperEnv& env, const config::Config& config,
                                  store::OpenMode mode) {
  Components components;
  SK_ASSIGN_OR_RETURN(components.store, env.open_store(config.store, mode));
  // The store keeps the platform client's tokens and penalties too.
  components.runtime = MakeRuntime(env, config, *components.store, components.store.get());
  return components;
}

}  // namespace subkeeper::app
