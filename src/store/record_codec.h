// Row ↔ record conversion for the SQLite store: the SQL that names the columns and the code that
// binds and reads them live together so their orders cannot drift apart. Internal to src/store.
#pragma once

#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store {

// The reminder_filter column: the reminder's filter string, "" in direct mode (nullopt).
std::string EncodeReminder(const std::optional<subscription::ReminderSpec>& reminder);
// Reads it back. kDataLoss when `text` is neither "" nor a reminder filter.
Result<std::optional<subscription::ReminderSpec>> DecodeReminder(std::string_view text);

// A list column: a JSON array of strings. kInvalidArgument when an item is not UTF-8.
Result<std::string> EncodeList(const std::vector<std::string>& list, std::string_view field);
// Reads it back. kDataLoss naming `field` when `text` is not a JSON array of strings.
Result<std::vector<std::string>> DecodeList(std::string_view text, std::string_view field);

// Reads a column holding one of an enum's words with `parse` (ParseEventKind, …); kDataLoss
// naming the column and the value for any other word.
template <typename Parse>
auto DecodeWord(std::string_view text, std::string_view field, Parse parse)
    -> Result<typename decltype(parse(std::string_view()))::value_type> {
  auto value = parse(text);
  if (!value) {
    return Status::DataLoss("store: column " + std::string(field) + " holds unknown value '" +
                            std::string(text) + "'");
  }
  return *value;
}

// The rate block's group column: "light", "medium", "heavy", "auth". Decoding gives nullopt for
// any other word (a group of a newer build): the stores skip such a block with a warning rather
// than fail the whole load, since a penalty missed costs one 429 and nothing else.
std::string_view EncodeRateGroup(platform::RateGroup group);
std::optional<platform::RateGroup> DecodeRateGroup(std::string_view text);

// The account state column spells kLoggedOut "" (what it held before the state was typed).
std::string EncodeCredentialState(platform::CredentialState state);
Result<platform::CredentialState> DecodeCredentialState(std::string_view text);

// Reads the last_trigger / history trigger column ("" = kNone). kDataLoss for any other text than
// RenewedByText writes.
Result<subscription::RenewedBy> DecodeRenewedBy(std::string_view text);

// INSERT … ON CONFLICT(account, name) DO UPDATE of every column except the lease.
const std::string& SubscriptionUpsertSql();
// SELECT of every column of `subscriptions`, in the order ReadSubscription expects; callers append
// their WHERE / ORDER BY.
const std::string& SubscriptionSelectSql();

// Binds every non-lease column of `r` for SubscriptionUpsertSql(), with `updated_at_ms`.
// kInvalidArgument when a list holds a string that is not valid UTF-8.
Status BindSubscription(SQLite::Statement& st, const SubscriptionRecord& r, int64_t updated_at_ms);
// Reads the current row of a SubscriptionSelectSql() query. kDataLoss when a list column is not
// a JSON array of strings. Throws SQLite::Exception like SQLiteCpp does.
Result<SubscriptionRecord> ReadSubscription(const SQLite::Statement& st);

// SELECT of the columns ReadSubscriptionState reads, in its order; callers append ORDER BY.
extern const char* const kSubscriptionStateSelectSql;
// Reads the current row of a kSubscriptionStateSelectSql query: account, name, remote_id, status,
// expires_at, failures, last_error, blacklisted_reason, reminder_filter, reminder_path_broken and
// disabled_filters; every other field keeps its default. kDataLoss like ReadSubscription.
Result<SubscriptionRecord> ReadSubscriptionState(const SQLite::Statement& st);

// One row of a kSubscriptionStateRowSelectSql query, owned: a buffer of these reused from chunk
// to chunk keeps its strings' capacity, so a walk over 100k records allocates almost nothing.
struct SubscriptionStateRow {
  std::string account;
  std::string name;
  std::string remote_id;
  platform::RemoteStatus::Kind status = platform::RemoteStatus::Kind::kUnknown;
  std::string reminder_filter;  // the column's text: "" in direct mode
  WallTime expires_at{};
  int32_t failures = 0;
  bool reminder_path_broken = false;
  bool filters_disabled = false;

  SubscriptionStateView View() const;
};

// SELECT of the columns ReadSubscriptionStateRow reads, in its order; callers append WHERE /
// ORDER BY / LIMIT.
extern const char* const kSubscriptionStateRowSelectSql;
// Reads the current row of a kSubscriptionStateRowSelectSql query into `row` (every field
// assigned). kDataLoss when disabled_filters is not a JSON array of strings, like
// ReadSubscription; it is only decoded when it is not "[]".
Status ReadSubscriptionStateRow(const SQLite::Statement& st, SubscriptionStateRow& row);

// INSERT of a history row (id assigned by SQLite) and the SELECT ReadHistory expects.
extern const char* const kHistoryInsertSql;
extern const char* const kHistorySelectSql;
void BindHistory(SQLite::Statement& st, const HistoryEntry& h);
// kDataLoss when kind holds a text HistoryKindText does not write. An unknown trigger reads as
// kNone.
Result<HistoryEntry> ReadHistory(const SQLite::Statement& st);

// INSERT … ON CONFLICT(uuid) DO NOTHING of an event (seq assigned by SQLite), and its SELECT.
extern const char* const kEventInsertSql;
extern const char* const kEventSelectSql;
void BindEvent(SQLite::Statement& st, const EventRecord& e);
// kDataLoss when kind or relay_state holds a text EventKindText / RelayStateText do not write.
Result<EventRecord> ReadEvent(const SQLite::Statement& st);

}  // namespace subkeeper::store
