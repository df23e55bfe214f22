// What a reload may change while the keeper runs, and what it may keep. Pure; private to the
// app module.
#pragma once

#include <string>

#include "subkeeper/config/config.h"

namespace subkeeper::app {

// True when both configs talk to the platform the same way (server, client credentials,
// request timeout, the same accounts with the same credentials in the same order), so the
// client — its tokens and rate-limit budgets — can be kept across a reload instead of logging
// in again.
bool SamePlatform(const config::Config& a, const config::Config& b);

// The first setting only a restart can change ("" when none changed): the listeners are bound
// and the store is open. One of listen.webhooks, listen.admin, store.sqlite, public_url,
// server.threads, listen.admin_token, listen.tls.
std::string RestartOnlyChange(const config::Config& old_config, const config::Config& next);

}  // namespace subkeeper::app
