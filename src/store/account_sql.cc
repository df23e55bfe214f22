#include "account_sql.h"

#include <SQLiteCpp/Column.h>

namespace subkeeper::store {
namespace {

WallTime ReadTime(const SQLite::Column& c) { return FromUnixMillis(c.getInt64()); }

}  // namespace

// "next_renewal_at <> 0" repeats the condition of the partial index subscriptions_schedule
// (required for SQLite to use it) without adding a range on its first column, so the seek is on
// the row value. EXPLAIN QUERY PLAN (SQLite 3.40):
//   SEARCH subscriptions USING COVERING INDEX subscriptions_schedule
//     ((next_renewal_at,account,name)>(?,?,?))
// i.e. one seek, then `limit` index entries; checked by account_sql_test.cc.
const char* const kScheduleSql =
    "SELECT account, name, next_renewal_at FROM subscriptions "
    "WHERE next_renewal_at <> 0 AND (next_renewal_at, account, name) > (?1, ?2, ?3) "
    "ORDER BY next_renewal_at, account, name LIMIT ?4";

void BindSchedule(SQLite::Statement& st, const std::optional<ScheduleEntry>& after, int limit) {
  // From the start: (0, '', '') sorts before every set time.
  st.bind(1, after ? ToUnixMillis(after->next_renewal_at) : int64_t{0});
  st.bind(2, after ? after->account : std::string());
  st.bind(3, after ? after->name : std::string());
  st.bind(4, limit);
}

ScheduleEntry ReadScheduleEntry(const SQLite::Statement& st) {
  ScheduleEntry e;
  e.account = st.getColumn(0).getString();
  e.name = st.getColumn(1).getString();
  e.next_renewal_at = ReadTime(st.getColumn(2));
  return e;
}

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

void BindAccount(SQLite::Statement& st, const AccountRecord& r, int64_t updated_at_ms) {
  int i = 1;
  st.bind(i++, r.account);
  st.bind(i++, r.credential_fingerprint);
  st.bind(i++, r.access_token.Reveal());
  st.bind(i++, ToUnixMillis(r.access_expires_at));
  st.bind(i++, r.refresh_token.Reveal());
  st.bind(i++, ToUnixMillis(r.refresh_expires_at));
  st.bind(i++, r.state);
  st.bind(i++, r.auth_failures);
  st.bind(i++, ToUnixMillis(r.next_login_at));
  st.bind(i++, r.last_error);
  st.bind(i++, updated_at_ms);
}

AccountRecord ReadAccount(const SQLite::Statement& st) {
  AccountRecord r;
  int i = 0;
  r.account = st.getColumn(i++).getString();
  r.credential_fingerprint = st.getColumn(i++).getString();
  r.access_token = Secret(st.getColumn(i++).getString());
  r.access_expires_at = ReadTime(st.getColumn(i++));
  r.refresh_token = Secret(st.getColumn(i++).getString());
  r.refresh_expires_at = ReadTime(st.getColumn(i++));
  r.state = st.getColumn(i++).getString();
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

RateBlock ReadRateBlock(const SQLite::Statement& st) {
  RateBlock b;
  b.account = st.getColumn(0).getString();
  b.group = st.getColumn(1).getString();
  b.until = ReadTime(st.getColumn(2));
  return b;
}

}  // namespace subkeeper::store
