// SQL of the event queries whose plans matter: the relay's heads, its counts, pruning, replay and
// the listing of a subscription's events. Declared here so tests can check each plan with
// EXPLAIN QUERY PLAN; SqliteStore's EventLog methods (event_sql.cc) run them. Internal to
// src/store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "subkeeper/store/records.h"

namespace subkeeper::store {

// The relay heads (ListRelayHeads), rows in kEventSelectSql's column order. No parameters.
const std::string& RelayHeadsSql();

// ListEvents: one `?` each for account (when by_account), name (when by_name) and relay_state
// (when set and not kPending, which is written literally), then the LIMIT.
std::string ListEventsSql(bool by_account, bool by_name, std::optional<RelayState> relay_state);

// RequeueEvents: named parameters :account, :name and :since, each present only when that
// filter of `query` is set.
std::string RequeueEventsSql(const ReplayQuery& query);

// PruneEvents: ?1 = done_before, ?2 = dead_before (Unix ms), ?3 = limit.
extern const char* const kPruneEventsSql;

// CountRelay: account, name, pending, dead, delivered, oldest pending received_at (0 when none)
// and its last_error, ordered by account, name. No parameters.
extern const char* const kCountRelaySql;

}  // namespace subkeeper::store
