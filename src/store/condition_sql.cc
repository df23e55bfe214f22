// SqliteStore's ConditionStore: condition transitions.
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "sqlite_error.h"
#include "sqlite_store_impl.h"

namespace subkeeper::store {

Result<std::vector<ConditionTransition>> SqliteStore::ListConditionTransitions(
    const SubscriptionKey* only) {
  MutexLock lock(mu_);
  return CatchSqlite(
      "list condition transitions", [&]() -> Result<std::vector<ConditionTransition>> {
        mu_.AssertHeld();
        constexpr const char* kSelect =
            "SELECT account, name, type, status, reason, since FROM condition_transitions";
        auto st_lease = statements_.Get(
            only != nullptr ? std::string(kSelect) + " WHERE account = ? AND name = ? ORDER BY type"
                            : std::string(kSelect) + " ORDER BY account, name, type");
        SQLite::Statement& st = *st_lease;
        if (only != nullptr) {
          st.bind(1, only->account);
          st.bind(2, only->name);
        }
        std::vector<ConditionTransition> out;
        while (st.executeStep()) {
          out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                         st.getColumn(2).getString(), st.getColumn(3).getInt() != 0,
                         st.getColumn(4).getString(), FromUnixMillis(st.getColumn(5).getInt64())});
        }
        return out;
      });
}

Status SqliteStore::PutConditionTransitions(const std::vector<ConditionTransition>& transitions) {
  if (transitions.empty()) return Status::OK();
  MutexLock lock(mu_);
  return CatchSqlite("put condition transitions", [&]() -> Status {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    auto st_lease = statements_.Get(
        "INSERT OR REPLACE INTO condition_transitions (account, name, type, status, reason, since) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    SQLite::Statement& st = *st_lease;
    for (const auto& t : transitions) {
      st.reset();
      st.bind(1, t.account);
      st.bind(2, t.name);
      st.bind(3, t.type);
      st.bind(4, t.status ? 1 : 0);
      st.bind(5, t.reason);
      st.bind(6, ToUnixMillis(t.since));
      st.exec();
    }
    tx.commit();
    return Status::OK();
  });
}

}  // namespace subkeeper::store
