// SqliteStore's platform::AccountStateStore: each account's tokens and credential state, and the
// rate-limit penalties in force.
#include "account_sql.h"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Transaction.h>

#include "record_codec.h"
#include "sqlite_error.h"
#include "sqlite_store_impl.h"
#include "subkeeper/common/log.h"

namespace subkeeper::store {

using platform::AccountSnapshot;
using platform::RateBlock;

namespace {

WallTime ReadTime(const SQLite::Column& c) { return FromUnixMillis(c.getInt64()); }

}  // namespace

const char* const kAccountUpsertSql =
    "INSERT INTO accounts (account, credential_fingerprint, access_token, access_expires_at, "
    "refresh_token, refresh_expires_at, state, auth_failures, next_login_at, last_error, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account) DO UPDATE SET "
    "credential_fingerprint = excluded.credential_fingerprint, "
    "access_token = excluded.access_token, access_expires_at = excluded.access_expires_at, "
    "refresh_token = excluded.refresh_token, refresh_expires_at = excluded.refresh_expires_at, "
    "state = excluded.state, auth_failures = excluded.auth_failures, "
    "next_login_at = excluded.next_login_at, last_error = excluded.last_error, "
    "updated_at = excluded.updated_at";
const char* const kAccountSelectSql =
    "SELECT account, credential_fingerprint, access_token, access_expires_at, refresh_token, "
    "refresh_expires_at, state, auth_failures, next_login_at, last_error, updated_at "
    "FROM accounts";

void BindAccount(SQLite::Statement& st, const AccountSnapshot& r, int64_t updated_at_ms) {
  int i = 1;
  st.bind(i++, r.account);
  st.bind(i++, r.credential_fingerprint);
  st.bind(i++, r.access_token.Reveal());
  st.bind(i++, ToUnixMillis(r.access_expires_at));
  st.bind(i++, r.refresh_token.Reveal());
  st.bind(i++, ToUnixMillis(r.refresh_expires_at));
  st.bind(i++, EncodeCredentialState(r.state));
  st.bind(i++, r.auth_failures);
  st.bind(i++, ToUnixMillis(r.next_login_at));
  st.bind(i++, r.last_error);
  st.bind(i++, updated_at_ms);
}

Result<AccountSnapshot> ReadAccount(const SQLite::Statement& st) {
  AccountSnapshot r;
  int i = 0;
  r.account = st.getColumn(i++).getString();
  r.credential_fingerprint = st.getColumn(i++).getString();
  r.access_token = Secret(st.getColumn(i++).getString());
  r.access_expires_at = ReadTime(st.getColumn(i++));
  r.refresh_token = Secret(st.getColumn(i++).getString());
  r.refresh_expires_at = ReadTime(st.getColumn(i++));
  SK_ASSIGN_OR_RETURN(r.state, DecodeCredentialState(st.getColumn(i++).getString()));
  r.auth_failures = st.getColumn(i++).getInt();
  r.next_login_at = ReadTime(st.getColumn(i++));
  r.last_error = st.getColumn(i++).getString();
  r.updated_at = ReadTime(st.getColumn(i++));
  return r;
}

const char* const kRateBlockUpsertSql =
    "INSERT INTO rate_blocks (account, grp, until) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(account, grp) DO UPDATE SET until = excluded.until";
const char* const kRateBlockExpireSql = "DELETE FROM rate_blocks WHERE until <= ?1";
const char* const kRateBlockSelectSql =
    "SELECT account, grp, until FROM rate_blocks WHERE until > ?1 ORDER BY account, grp";

std::optional<RateBlock> ReadRateBlock(const SQLite::Statement& st) {
  RateBlock b;
  b.account = st.getColumn(0).getString();
  const std::string word = st.getColumn(1).getString();
  std::optional<platform::RateGroup> group = DecodeRateGroup(word);
  if (!group) {
    logging::StoreLog().warn("store: ignoring a rate block of unknown group '{}' for account {}",
                             word, b.account);
    return std::nullopt;
  }
  b.group = *group;
  b.until = ReadTime(st.getColumn(2));
  return b;
}

Result<std::vector<AccountSnapshot>> SqliteStore::LoadAccounts() {
  MutexLock lock(mu_);
  return CatchSqlite("list accounts", [&]() -> Result<std::vector<AccountSnapshot>> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(std::string(kAccountSelectSql) + " ORDER BY account");
    SQLite::Statement& st = *st_lease;
    std::vector<AccountSnapshot> out;
    while (st.executeStep()) {
      SK_ASSIGN_OR_RETURN(AccountSnapshot r, ReadAccount(st));
      out.push_back(std::move(r));
    }
    return out;
  });
}

Status SqliteStore::SaveAccount(const AccountSnapshot& snapshot) {
  if (snapshot.account.empty()) return Status::InvalidArgument("store: an account needs a name");
  MutexLock lock(mu_);
  // The message names the account only: the statement holds the tokens.
  return CatchSqlite("put account " + snapshot.account, [&]() -> Status {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(kAccountUpsertSql);
    SQLite::Statement& st = *st_lease;
    BindAccount(st, snapshot, ToUnixMillis(clock_.Now()));
    st.exec();
    return Status::OK();
  });
}

Status SqliteStore::SaveRateBlock(const RateBlock& block) {
  if (block.account.empty()) return Status::InvalidArgument("store: a rate block needs an account");
  const std::string group(EncodeRateGroup(block.group));
  MutexLock lock(mu_);
  return CatchSqlite("put rate block " + block.account + "/" + group, [&]() -> Status {
    mu_.AssertHeld();
    SQLite::Transaction tx(*db_, kImmediate);
    // Blocks are written rarely (on a 429), so dropping the finished ones here keeps the table
    // at the blocks in force without a separate sweep.
    auto expire_lease = statements_.Get(kRateBlockExpireSql);
    SQLite::Statement& expire = *expire_lease;
    expire.bind(1, ToUnixMillis(clock_.Now()));
    expire.exec();
    auto st_lease = statements_.Get(kRateBlockUpsertSql);
    SQLite::Statement& st = *st_lease;
    st.bind(1, block.account);
    st.bind(2, group);
    st.bind(3, ToUnixMillis(block.until));
    st.exec();
    tx.commit();
    return Status::OK();
  });
}

Result<std::vector<RateBlock>> SqliteStore::LoadRateBlocks(WallTime now) {
  MutexLock lock(mu_);
  return CatchSqlite("list rate blocks", [&]() -> Result<std::vector<RateBlock>> {
    mu_.AssertHeld();
    auto st_lease = statements_.Get(kRateBlockSelectSql);
    SQLite::Statement& st = *st_lease;
    st.bind(1, ToUnixMillis(now));
    std::vector<RateBlock> out;
    while (st.executeStep()) {
      if (std::optional<RateBlock> block = ReadRateBlock(st)) out.push_back(std::move(*block));
    }
    return out;
  });
}

}  // namespace subkeeper::store
