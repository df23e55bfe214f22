#include "reload_policy.h"

namespace subkeeper::app {

bool SamePlatform(const config::Config& a, const config::Config& b) {
  if (a.platform.server != b.platform.server || a.platform.client_id != b.platform.client_id ||
      !(a.platform.client_secret == b.platform.client_secret) ||
      a.platform.request_timeout_ms != b.platform.request_timeout_ms ||
      a.accounts.size() != b.accounts.size()) {
    return false;
  }
  for (size_t i = 0; i < a.accounts.size(); ++i) {
    if (a.accounts[i].name != b.accounts[i].name || !(a.accounts[i].jwt == b.accounts[i].jwt) ||
        !(a.accounts[i].refresh_token == b.accounts[i].refresh_token))
      return false;
  }
  return true;
}

std::string RestartOnlyChange(const config::Config& old_config, const config::Config& next) {
  if (old_config.listen.webhooks != next.listen.webhooks) return "listen.webhooks";
  if (old_config.listen.admin != next.listen.admin) return "listen.admin";
  if (old_config.listen.state_file != next.listen.state_file) return "listen.state_file";
  if (old_config.store.sqlite_path != next.store.sqlite_path) return "store.sqlite";
  if (!(old_config.store.postgres == next.store.postgres)) return "store.postgres";
  if (old_config.store.claim_ttl_s != next.store.claim_ttl_s) return "store.claim_ttl";
  if (old_config.public_url != next.public_url) return "public_url";
  if (old_config.server.threads != next.server.threads) return "server.threads";
  if (!(old_config.listen.admin_token == next.listen.admin_token)) return "listen.admin_token";
  if (old_config.listen.tls.cert_path != next.listen.tls.cert_path ||
      old_config.listen.tls.key_path != next.listen.tls.key_path) {
    return "listen.tls";
  }
  return "";
}

}  // namespace subkeeper::app
