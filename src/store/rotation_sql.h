// SQL of the stored webhook secrets (schema/0005_webhook_secrets.sql). Internal to src/store.
#pragma once

#include <SQLiteCpp/Database.h>

#include <vector>

#include "subkeeper/common/secret.h"

namespace subkeeper::store {

// The stored webhook secrets, newest first (see RotationStore). Throws SQLite::Exception.
std::vector<Secret> ReadWebhookSecrets(SQLite::Database& db);

// Replaces the stored webhook secrets with `secrets` (newest first). The secrets are
// bound with Reveal(): the database file is the one place they are written to.
// REQUIRES: inside a write transaction. Throws SQLite::Exception.
void WriteWebhookSecrets(SQLite::Database& db, const std::vector<Secret>& secrets);

}  // namespace subkeeper::store
