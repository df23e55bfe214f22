// SQL and row conversion of the accounts and rate_blocks tables. Internal to src/store.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <cstdint>

#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"

namespace subkeeper::store {

// INSERT … ON CONFLICT(account) DO UPDATE of every column, and the SELECT ReadAccount expects
// (callers append their WHERE / ORDER BY).
extern const char* const kAccountUpsertSql;
extern const char* const kAccountSelectSql;
// Binds every column of `r` for kAccountUpsertSql, with `updated_at_ms`. The tokens are bound
// with Reveal(): the database file is the one place they are written to.
void BindAccount(SQLite::Statement& st, const platform::AccountSnapshot& r, int64_t updated_at_ms);
// kDataLoss when the state column holds neither "" (kLoggedOut) nor a CredentialStateText.
Result<platform::AccountSnapshot> ReadAccount(const SQLite::Statement& st);

// ?1 = account, ?2 = group, ?3 = until (Unix ms).
extern const char* const kRateBlockUpsertSql;
// ?1 = now (Unix ms): deletes the blocks that are over.
extern const char* const kRateBlockExpireSql;
// ?1 = now (Unix ms). Rows: account, grp, until, ordered by account, grp.
extern const char* const kRateBlockSelectSql;
// The row as a block; nullopt (logged) when its group is not one this build knows.
std::optional<platform::RateBlock> ReadRateBlock(const SQLite::Statement& st);

}  // namespace subkeeper::store
