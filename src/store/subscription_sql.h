// SQL of the subscription queries whose plans matter (the renewal schedule). Declared here so
// tests can check the plan with EXPLAIN QUERY PLAN; SqliteStore's SubscriptionStore methods
// (subscription_sql.cc) run it. Internal to src/store.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <optional>

#include "subkeeper/store/records.h"

namespace subkeeper::store {

// ListSchedule: ?1, ?2, ?3 = the exclusive lower bound (next_renewal_at in Unix ms, account,
// name), ?4 = limit. Rows: account, name, next_renewal_at. Served by subscriptions_schedule.
extern const char* const kScheduleSql;
// Binds the bound and limit of kScheduleSql: after `after`, or from the first set time.
void BindSchedule(SQLite::Statement& st, const std::optional<ScheduleEntry>& after, int limit);
ScheduleEntry ReadScheduleEntry(const SQLite::Statement& st);

}  // namespace subkeeper::store
