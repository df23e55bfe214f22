// SqliteStore's ClaimStore. One keeper owns a SQLite file, so its claims are never contended;
// they follow the same contract as PostgreSQL's so the keeper's code does not branch on the
// store. Each operation is one IMMEDIATE transaction: read the row, decide (claim_rules.h),
// write.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "account_sql.h"
#include "claim_rules.h"
#include "sqlite_error.h"
#include "sqlite_store_impl.h"

namespace subkeeper::store {
namespace {

const char* const kClaimSelectSql =
    "SELECT account, owner, epoch, until FROM account_claims WHERE account = ?1";
const char* const kClaimUpsertSql =
    "INSERT INTO account_claims (account, owner, epoch, until) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(account) DO UPDATE SET owner = excluded.owner, epoch = excluded.epoch, "
    "until = excluded.until";

AccountClaim ReadClaim(const SQLite::Statement& st) {
  AccountClaim c;
  c.account = st.getColumn(0).getString();
  c.owner = st.getColumn(1).getString();
  c.epoch = st.getColumn(2).getInt64();
  c.until = FromUnixMillis(st.getColumn(3).getInt64());
  return c;
}

// The stored claim of `account`, or a never-claimed one.
AccountClaim CurrentClaim(SQLite::Database& db, std::string_view account) {
  SQLite::Statement st(db, kClaimSelectSql);
  st.bind(1, std::string(account));
  if (st.executeStep()) return ReadClaim(st);
  AccountClaim none;
  none.account = std::string(account);
  return none;
}

void WriteClaim(SQLite::Database& db, const AccountClaim& c) {
  SQLite::Statement st(db, kClaimUpsertSql);
  st.bind(1, c.account);
  st.bind(2, c.owner);
  st.bind(3, c.epoch);
  st.bind(4, ToUnixMillis(c.until));
  st.exec();
}

}  // namespace

Result<std::optional<AccountClaim>> SqliteStore::TryClaimAccount(std::string_view account,
                                                                 std::string_view owner,
                                                                 WallTime now, WallTime until) {
  SK_RETURN_IF_ERROR(CheckClaimRequest(account, owner, now, until));
  MutexLock lock(mu_);
  return CatchSqlite("claim account " + std::string(account),
                     [&]() -> Result<std::optional<AccountClaim>> {
                       mu_.AssertHeld();
                       SQLite::Transaction tx(*db_, kImmediate);
                       std::optional<AccountClaim> next =
                           NextClaim(CurrentClaim(*db_, account), owner, now, until);
                       if (next) WriteClaim(*db_, *next);
                       tx.commit();
                       return next;
                     });
}

Result<bool> SqliteStore::ExtendClaim(std::string_view account, int64_t epoch, WallTime now,
                                      WallTime until) {
  MutexLock lock(mu_);
  return CatchSqlite("extend claim on account " + std::string(account), [&]() -> Result<bool> {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    AccountClaim current = CurrentClaim(*db_, account);
    if (!ClaimLive(current, epoch, now)) return false;
    current.until = until;
    WriteClaim(*db_, current);
    tx.commit();
    return true;
  });
}

Status SqliteStore::ReleaseClaim(std::string_view account, int64_t epoch) {
  MutexLock lock(mu_);
  return CatchSqlite("release claim on account " + std::string(account), [&]() -> Status {
    mu_.AssertHeld();
    SQLite::Statement st(*db_,
                         "UPDATE account_claims SET owner = '', until = 0 WHERE account = ?1 AND "
                         "epoch = ?2");
    st.bind(1, std::string(account));
    st.bind(2, epoch);
    st.exec();
    return Status::OK();
  });
}

Result<std::vector<AccountClaim>> SqliteStore::ListClaims() {
  MutexLock lock(mu_);
  return CatchSqlite("list claims", [&]() -> Result<std::vector<AccountClaim>> {
    mu_.AssertHeld();
    SQLite::Statement st(
        *db_, "SELECT account, owner, epoch, until FROM account_claims ORDER BY account");
    std::vector<AccountClaim> out;
    while (st.executeStep()) out.push_back(ReadClaim(st));
    return out;
  });
}

Result<bool> SqliteStore::SaveAccountFenced(const platform::AccountSnapshot& snapshot,
                                            int64_t epoch) {
  if (snapshot.account.empty()) return Status::InvalidArgument("store: an account needs a name");
  MutexLock lock(mu_);
  // The message names the account only: the statement holds the tokens.
  return CatchSqlite("put account " + snapshot.account + " (fenced)", [&]() -> Result<bool> {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    if (CurrentClaim(*db_, snapshot.account).epoch != epoch) return false;
    auto st_lease = statements_.Get(kAccountUpsertSql);
    SQLite::Statement& st = *st_lease;
    BindAccount(st, snapshot, ToUnixMillis(clock_.Now()));
    st.exec();
    tx.commit();
    return true;
  });
}

}  // namespace subkeeper::store
