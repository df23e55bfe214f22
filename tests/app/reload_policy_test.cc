#include "app/reload_policy.h"

#include <catch2/catch.hpp>

namespace subkeeper::app {
namespace {

config::Config Base() {
  config::Config config;
  config.platform.server = "https://platform.test";
  config.platform.client_id = "id";
  config.platform.client_secret = Secret("secret");
  config.accounts.push_back({"acme", Secret("jwt-acme"), Secret()});
  return config;
}

TEST_CASE("Only listeners, store, public URL, threads, admin token and TLS need a restart",
          "[app]") {
  const config::Config old_config = Base();
  CHECK(RestartOnlyChange(old_config, Base()).empty());
  config::Config next = Base();
  next.renewal.reconcile_interval_s += 60;
  next.webhook_secret = Secret("rotated");
  CHECK(RestartOnlyChange(old_config, next).empty());

  next = Base();
  next.listen.webhooks = "0.0.0.0:1";
  CHECK(RestartOnlyChange(old_config, next) == "listen.webhooks");
  next = Base();
  next.store.sqlite_path = "/elsewhere.db";
  CHECK(RestartOnlyChange(old_config, next) == "store.sqlite");
  next = Base();
  next.public_url = "https://other.example";
  CHECK(RestartOnlyChange(old_config, next) == "public_url");
  next = Base();
  next.listen.admin_token = Secret("new-token");
  CHECK(RestartOnlyChange(old_config, next) == "listen.admin_token");
  next = Base();
  next.listen.tls.key_path = "/new.key";
  CHECK(RestartOnlyChange(old_config, next) == "listen.tls");
}

TEST_CASE("The platform client is kept only when credentials and accounts are the same", "[app]") {
  const config::Config old_config = Base();
  CHECK(SamePlatform(old_config, Base()));
  config::Config next = Base();
  next.renewal.lease_s += 1;
  CHECK(SamePlatform(old_config, next));

  next = Base();
  next.platform.client_secret = Secret("rotated");
  CHECK_FALSE(SamePlatform(old_config, next));
  next = Base();
  next.accounts[0].jwt = Secret("jwt-new");
  CHECK_FALSE(SamePlatform(old_config, next));
  next = Base();
  next.accounts.push_back({"beta", Secret("jwt-beta"), Secret()});
  CHECK_FALSE(SamePlatform(old_config, next));
}

}  // namespace
}  // namespace subkeeper::app
