// Turning the config into the platform client and the renewal service's options, used by the
// composition root (compose.h). Private to the app module.
#pragma once

#include <memory>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/platform/http.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/renewal/service.h"
#include "subkeeper/store/store.h"

namespace subkeeper::app {

// The platform client's persistent account state, kept in the keeper's store.
class StoreAccountState final : public platform::AccountStateStore {
 public:
  explicit StoreAccountState(store::Store& store) : store_(store) {}
  Result<std::vector<store::AccountRecord>> LoadAccounts() override;
  Status SaveAccount(const store::AccountRecord& record) override;
  Result<std::vector<store::RateBlock>> LoadRateBlocks(WallTime now) override;
  Status SaveRateBlock(const store::RateBlock& block) override;

 private:
  store::Store& store_;
};

// Where a running daemon writes its admin URL ("http://host:port", one line): next to the
// database, so one-shot commands using the same store can reach it.
inline std::string AdminUrlPath(const std::string& sqlite_path) { return sqlite_path + ".admin"; }

// The REST client for every configured account. `transport`, `clock` and `state` (when given)
// must outlive it.
std::unique_ptr<platform::RestClient> MakePlatformClient(
    const config::Config& config, platform::HttpTransport& transport, const Clock& clock,
    platform::AccountStateStore* state = nullptr);

// The renewal service's options from the config, with `owner` as the lease owner.
renewal::ServiceOptions MakeServiceOptions(const config::Config& config, std::string owner);

}  // namespace subkeeper::app
