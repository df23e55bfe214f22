#include "rotation_sql.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <cstdint>

#include "sqlite_error.h"
#include "sqlite_store_impl.h"

namespace subkeeper::store {

std::vector<Secret> ReadWebhookSecrets(SQLite::Database& db) {
  SQLite::Statement st(db, "SELECT secret FROM webhook_secrets ORDER BY position");
  std::vector<Secret> out;
  while (st.executeStep()) out.emplace_back(st.getColumn(0).getString());
  return out;
}

void WriteWebhookSecrets(SQLite::Database& db, const std::vector<Secret>& secrets) {
  db.exec("DELETE FROM webhook_secrets");
  SQLite::Statement st(db, "INSERT INTO webhook_secrets (position, secret) VALUES (?, ?)");
  for (size_t i = 0; i < secrets.size(); ++i) {
    st.bind(1, static_cast<int64_t>(i));
    st.bind(2, secrets[i].Reveal());
    st.exec();
    st.reset();
  }
}

Result<std::vector<Secret>> SqliteStore::ListWebhookSecrets() {
  MutexLock lock(mu_);
  return CatchSqlite("list webhook secrets", [&]() -> Result<std::vector<Secret>> {
    mu_.AssertHeld();
    return ReadWebhookSecrets(*db_);
  });
}

Status SqliteStore::PutWebhookSecrets(const std::vector<Secret>& secrets) {
  MutexLock lock(mu_);
  return CatchSqlite("put webhook secrets", [&]() -> Status {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    WriteWebhookSecrets(*db_, secrets);
    tx.commit();
    return Status::OK();
  });
}

}  // namespace subkeeper::store
