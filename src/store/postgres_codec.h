// Row ↔ record conversion for the PostgreSQL store: the column lists and the code that binds
// and reads them, together so their orders cannot drift apart. The encodings are the SQLite
// codec's (record_codec.h): times are Unix milliseconds with 0 = unset, string lists are JSON
// arrays, the reminder is its filter string. Internal to src/store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "postgres_conn.h"
#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store::pg {

// The record fields stored as text: every conversion between them and their columns goes
// through these, and nowhere else. The enums use the words of their Text functions (as the
// SQLite codec does); reading any other word is kDataLoss naming the column and the value.
std::string EventKindColumn(const EventRecord& e);
std::string RelayStateColumn(RelayState relay_state);
std::string HistoryKindColumn(const HistoryEntry& h);
std::string RemoteStatusColumn(const SubscriptionRecord& r);
std::string AccountStateColumn(const platform::AccountSnapshot& a);
Status SetEventKind(EventRecord& e, const std::string& column);
Status SetRelayState(EventRecord& e, const std::string& column);
Status SetHistoryKind(HistoryEntry& h, const std::string& column);
void SetRemoteStatus(SubscriptionRecord& r, std::string column);
Status SetAccountState(platform::AccountSnapshot& a, const std::string& column);

// INSERT … ON CONFLICT (account, name) DO UPDATE of every column except the lease.
const std::string& SubscriptionUpsertSql();
// SELECT of every column of subscriptions in ReadSubscription's order; callers append the rest.
const std::string& SubscriptionSelectSql();
// The bind values of SubscriptionUpsertSql. kInvalidArgument when a list is not UTF-8.
Result<Params> SubscriptionParams(const SubscriptionRecord& r, WallTime updated_at);
// Row `row` of a SubscriptionSelectSql result. kDataLoss when a list or the reminder is invalid.
Result<SubscriptionRecord> ReadSubscription(const Rows& rows, int row);

// INSERT of a history row (id assigned by PostgreSQL) and the SELECT ReadHistory expects.
extern const char* const kHistoryInsertSql;
extern const char* const kHistorySelectSql;
Params HistoryParams(const HistoryEntry& h);
Result<HistoryEntry> ReadHistory(const Rows& rows, int row);

// The SELECT of every event column, in ReadEvent's order.
extern const char* const kEventSelectSql;
Result<EventRecord> ReadEvent(const Rows& rows, int row);
// The columns of an event INSERT after seq, with their bind values in the same order.
extern const char* const kEventInsertColumns;
Params EventParams(const EventRecord& e);

}  // namespace subkeeper::store::pg
