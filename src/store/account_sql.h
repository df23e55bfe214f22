// SQL and row conversion of the schedule, accounts and rate_blocks queries. Kept apart from the
// store so tests can check the schedule's plan with EXPLAIN QUERY PLAN. Internal to src/store.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>

#include "subkeeper/store/records.h"

namespace subkeeper::store {

// ListSchedule: ?1, ?2, ?3 = the exclusive lower bound (next_renewal_at in Unix ms, account,
// name), ?4 = limit. Rows: account, name, next_renewal_at. Served by subscriptions_schedule.
extern const char* const kScheduleSql;
// Binds the bound and limit of kScheduleSql: after `after`, or from the first set time.
void BindSchedule(SQLite::Statement& st, const std::optional<ScheduleEntry>& after, int limit);
ScheduleEntry ReadScheduleEntry(const SQLite::Statement& st);

// INSERT … ON CONFLICT(account) DO UPDATE of every column, and the SELECT ReadAccount expects
// (callers append their WHERE / ORDER BY).
extern const char* const kAccountUpsertSql;
extern const char* const kAccountSelectSql;
// Binds every column of `r` for kAccountUpsertSql, with `updated_at_ms`. The tokens are bound
// with Reveal(): the database file is the one place they are written to.
void BindAccount(SQLite::Statement& st, const AccountRecord& r, int64_t updated_at_ms);
AccountRecord ReadAccount(const SQLite::Statement& st);

// ?1 = account, ?2 = group, ?3 = until (Unix ms).
extern const char* const kRateBlockUpsertSql;
// ?1 = now (Unix ms): deletes the blocks that are over.
extern const char* const kRateBlockExpireSql;
// ?1 = now (Unix ms). Rows: account, grp, until, ordered by account, grp.
extern const char* const kRateBlockSelectSql;
RateBlock ReadRateBlock(const SQLite::Statement& st);

}  // namespace subkeeper::store
