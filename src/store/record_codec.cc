#include "record_codec.h"

#include <SQLiteCpp/Column.h>

#include <array>
#include <nlohmann/json.hpp>

namespace subkeeper::store {
namespace {

// Every column written by PutSubscription, in bind order. The lease columns are absent on
// purpose: an upsert of the record must never steal or drop a lease.
constexpr std::array<const char*, 27> kRecordColumns = {
    "account", "name", "event_filters", "expires_in_s", "reminder_filter", "address", "deliver_to",
    "remote_id", "status", "remote_filters", "disabled_filters", "blacklisted_reason",
    "granted_ttl_s", "remote_created_at", "expires_at", "next_renewal_at", "last_renewed_at",
    "last_trigger", "last_reminder_at", "reminder_path_broken", "create_uncertain", "failures",
    "last_error", "last_error_at", "token_fingerprint", "updated_at",
    // Not bound; selected last so ReadSubscription can read it with the lease.
    "lease_owner"};
constexpr size_t kBoundColumns = kRecordColumns.size() - 1;

std::string BuildUpsertSql() {
  std::string cols, params, updates;
  for (size_t i = 0; i < kBoundColumns; ++i) {
    const std::string c = kRecordColumns[i];
    cols += (i ? ", " : "") + c;
    params += i ? ", ?" : "?";
    if (c != "account" && c != "name")
      updates += (updates.empty() ? "" : ", ") + c + " = excluded." + c;
  }
  return "INSERT INTO subscriptions (" + cols + ") VALUES (" + params +
         ") ON CONFLICT(account, name) DO UPDATE SET " + updates;
}

std::string BuildSelectSql() {
  std::string cols;
  for (const char* c : kRecordColumns) cols += std::string(cols.empty() ? "" : ", ") + c;
  return "SELECT " + cols + ", lease_until FROM subscriptions";
}

// Decodes what EncodeList writes (json::dump: strings escaped with \" \\ \b \f \n \r \t and
// \u00XX for other control characters, UTF-8 as is) without building a json value:
// ListSubscriptions decodes three lists of every record at start-up, and nlohmann's lexer and DOM
// were the largest part of its cost. Returns false on anything else (\u escapes, spaces, not a
// list of strings); the caller then falls back to the full parser, which decides whether the
// column is valid. UTF-8 is not validated again: EncodeList refused invalid UTF-8 on the way in.
bool DecodeListFast(std::string_view text, std::vector<std::string>& out) {
  size_t i = 0;
  auto next = [&] { return i < text.size() ? text[i++] : '\0'; };
  if (next() != '[') return false;
  if (i < text.size() && text[i] == ']') return ++i == text.size();
  for (;;) {
    if (next() != '"') return false;
    std::string& item = out.emplace_back();
    for (;;) {
      const size_t end = text.find_first_of("\"\\", i);
      if (end == std::string_view::npos) return false;
      item.append(text, i, end - i);
      i = end + 1;
      if (text[end] == '"') break;
      switch (next()) {
        case '"':
          item += '"';
          break;
        case '\\':
          item += '\\';
          break;
        case '/':
          item += '/';
          break;
        case 'b':
          item += '\b';
          break;
        case 'f':
          item += '\f';
          break;
        case 'n':
          item += '\n';
          break;
        case 'r':
          item += '\r';
          break;
        case 't':
          item += '\t';
          break;
        default:
          return false;  // \u…: rare, left to the full parser
      }
    }
    const char c = next();
    if (c == ']') return i == text.size();
    if (c != ',') return false;
  }
}

Result<std::vector<std::string>> DecodeList(const SQLite::Column& column, std::string_view field) {
  return store::DecodeList(
      std::string_view(column.getText(), static_cast<size_t>(column.getBytes())), field);
}

WallTime ReadTime(const SQLite::Column& c) { return FromUnixMillis(c.getInt64()); }

// Reads a column holding one of an enum's texts with `parse`; kDataLoss naming the column and
// the value for any other text.
template <typename Parse>
auto DecodeColumn(const SQLite::Column& column, std::string_view field, Parse parse) {
  return DecodeWord(column.getString(), field, parse);
}

}  // namespace

Result<std::string> EncodeList(const std::vector<std::string>& list, std::string_view field) {
  try {
    return nlohmann::json(list).dump();
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidArgument("store: " + std::string(field) + " is not valid UTF-8");
  }
}

Result<std::vector<std::string>> DecodeList(std::string_view text, std::string_view field) {
  std::vector<std::string> out;
  if (DecodeListFast(text, out)) return out;
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return Status::DataLoss("store: column " + std::string(field) +
                            " is not a JSON array of strings");
  }
}

namespace {

constexpr std::array<std::pair<platform::RateGroup, std::string_view>, 4> kRateGroupWords{{
    {platform::RateGroup::kLight, "light"},
    {platform::RateGroup::kMedium, "medium"},
    {platform::RateGroup::kHeavy, "heavy"},
    {platform::RateGroup::kAuth, "auth"},
}};

}  // namespace

std::string_view EncodeRateGroup(platform::RateGroup group) {
  for (const auto& [value, word] : kRateGroupWords) {
    if (value == group) return word;
  }
  return "";
}

std::optional<platform::RateGroup> DecodeRateGroup(std::string_view text) {
  for (const auto& [value, word] : kRateGroupWords) {
    if (word == text) return value;
  }
  return std::nullopt;
}

std::string EncodeCredentialState(platform::CredentialState state) {
  return state == platform::CredentialState::kLoggedOut
             ? std::string()
             : std::string(platform::CredentialStateText(state));
}

Result<platform::CredentialState> DecodeCredentialState(std::string_view text) {
  if (text.empty()) return platform::CredentialState::kLoggedOut;
  return DecodeWord(text, "state", platform::ParseCredentialState);
}

std::string EncodeReminder(const std::optional<subscription::ReminderSpec>& reminder) {
  return reminder ? subscription::ReminderFilter(*reminder) : std::string();
}

Result<subscription::RenewedBy> DecodeRenewedBy(std::string_view text) {
  auto by = subscription::ParseRenewedBy(text);
  if (!by) return Status::DataLoss("store: '" + std::string(text) + "' is not a trigger");
  return *by;
}

Result<std::optional<subscription::ReminderSpec>> DecodeReminder(std::string_view text) {
  if (text.empty()) return std::optional<subscription::ReminderSpec>();
  auto spec = subscription::ParseReminderFilter(text);
  if (!spec) return Status::DataLoss("store: reminder_filter is not a reminder filter");
  return spec;
}

const std::string& SubscriptionUpsertSql() {
  static const std::string sql = BuildUpsertSql();
  return sql;
}

const std::string& SubscriptionSelectSql() {
  static const std::string sql = BuildSelectSql();
  return sql;
}

Status BindSubscription(SQLite::Statement& st, const SubscriptionRecord& r, int64_t updated_at_ms) {
  SK_ASSIGN_OR_RETURN(std::string filters, EncodeList(r.event_filters, "event_filters"));
  SK_ASSIGN_OR_RETURN(std::string remote, EncodeList(r.remote_filters, "remote_filters"));
  SK_ASSIGN_OR_RETURN(std::string disabled, EncodeList(r.disabled_filters, "disabled_filters"));
  int i = 1;
  st.bind(i++, r.account);
  st.bind(i++, r.name);
  st.bind(i++, filters);
  st.bind(i++, r.expires_in_s);
  st.bind(i++, EncodeReminder(r.reminder));
  st.bind(i++, r.address);
  st.bind(i++, r.deliver_to);
  st.bind(i++, r.remote_id);
  st.bind(i++, std::string(r.status.word()));
  st.bind(i++, remote);
  st.bind(i++, disabled);
  st.bind(i++, r.blacklisted_reason);
  st.bind(i++, r.granted_ttl_s);
  st.bind(i++, ToUnixMillis(r.remote_created_at));
  st.bind(i++, ToUnixMillis(r.expires_at));
  st.bind(i++, ToUnixMillis(r.next_renewal_at));
  st.bind(i++, ToUnixMillis(r.last_renewed_at));
  st.bind(i++, std::string(subscription::RenewedByText(r.last_trigger)));
  st.bind(i++, ToUnixMillis(r.last_reminder_at));
  st.bind(i++, r.reminder_path_broken ? 1 : 0);
  st.bind(i++, r.create_uncertain ? 1 : 0);
  st.bind(i++, r.failures);
  st.bind(i++, r.last_error);
  st.bind(i++, ToUnixMillis(r.last_error_at));
  st.bind(i++, r.token_fingerprint);
  st.bind(i++, updated_at_ms);
  return Status::OK();
}

const char* const kSubscriptionStateSelectSql =
    "SELECT account, name, remote_id, status, expires_at, failures, last_error, "
    "blacklisted_reason, reminder_filter, reminder_path_broken, disabled_filters FROM "
    "subscriptions";

Result<SubscriptionRecord> ReadSubscriptionState(const SQLite::Statement& st) {
  SubscriptionRecord r;
  r.account = st.getColumn(0).getString();
  r.name = st.getColumn(1).getString();
  r.remote_id = st.getColumn(2).getString();
  r.status = platform::RemoteStatus::Of(st.getColumn(3).getString());
  r.expires_at = ReadTime(st.getColumn(4));
  r.failures = st.getColumn(5).getInt();
  r.last_error = st.getColumn(6).getString();
  r.blacklisted_reason = st.getColumn(7).getString();
  SK_ASSIGN_OR_RETURN(r.reminder, DecodeReminder(st.getColumn(8).getString()));
  r.reminder_path_broken = st.getColumn(9).getInt() != 0;
  SK_ASSIGN_OR_RETURN(r.disabled_filters, DecodeList(st.getColumn(10), "disabled_filters"));
  return r;
}

SubscriptionStateView SubscriptionStateRow::View() const {
  SubscriptionStateView v;
  v.account = account;
  v.name = name;
  v.remote_id = remote_id;
  v.status = status;
  // The filter's text is not parsed here: only the mode is needed, and a walk over 100k rows
  // stays free of parsing.
  v.delivery = reminder_filter.empty() ? subscription::DeliveryMode::kDirect
                                       : subscription::DeliveryMode::kRelay;
  v.expires_at = expires_at;
  v.failures = failures;
  v.reminder_path_broken = reminder_path_broken;
  v.filters_disabled = filters_disabled;
  return v;
}

const char* const kSubscriptionStateRowSelectSql =
    "SELECT account, name, remote_id, status, reminder_filter, expires_at, failures, "
    "reminder_path_broken, disabled_filters FROM subscriptions";

Status ReadSubscriptionStateRow(const SQLite::Statement& st, SubscriptionStateRow& row) {
  // assign() keeps the strings' buffers: no allocation once the buffer has seen a longer value.
  // sqlite3_column_text before sqlite3_column_bytes, the order
  // https://www.sqlite.org/c3ref/column_blob.html recommends (a function's arguments are
  // evaluated in no set order, hence the separate statements).
  auto text = [&](int i, std::string& out) {
    const SQLite::Column c = st.getColumn(i);
    const char* data = c.getText();
    out.assign(data, static_cast<size_t>(c.getBytes()));
  };
  text(0, row.account);
  text(1, row.name);
  text(2, row.remote_id);
  {
    const SQLite::Column c = st.getColumn(3);
    row.status = platform::RemoteStatus::KindOf(
        std::string_view(c.getText(), static_cast<size_t>(c.getBytes())));
  }
  text(4, row.reminder_filter);
  row.expires_at = ReadTime(st.getColumn(5));
  row.failures = st.getColumn(6).getInt();
  row.reminder_path_broken = st.getColumn(7).getInt() != 0;
  const SQLite::Column filters = st.getColumn(8);
  const char* data = filters.getText();
  const std::string_view encoded(data, static_cast<size_t>(filters.getBytes()));
  if (encoded == "[]") {  // what EncodeList writes for no filters: the common case, not decoded
    row.filters_disabled = false;
  } else {
    SK_ASSIGN_OR_RETURN(std::vector<std::string> list, DecodeList(filters, "disabled_filters"));
    row.filters_disabled = !list.empty();
  }
  return Status::OK();
}

Result<SubscriptionRecord> ReadSubscription(const SQLite::Statement& st) {
  SubscriptionRecord r;
  int i = 0;
  r.account = st.getColumn(i++).getString();
  r.name = st.getColumn(i++).getString();
  SK_ASSIGN_OR_RETURN(r.event_filters, DecodeList(st.getColumn(i++), "event_filters"));
  r.expires_in_s = st.getColumn(i++).getInt64();
  SK_ASSIGN_OR_RETURN(r.reminder, DecodeReminder(st.getColumn(i++).getString()));
  r.address = st.getColumn(i++).getString();
  r.deliver_to = st.getColumn(i++).getString();
  r.remote_id = st.getColumn(i++).getString();
  r.status = platform::RemoteStatus::Of(st.getColumn(i++).getString());
  SK_ASSIGN_OR_RETURN(r.remote_filters, DecodeList(st.getColumn(i++), "remote_filters"));
  SK_ASSIGN_OR_RETURN(r.disabled_filters, DecodeList(st.getColumn(i++), "disabled_filters"));
  r.blacklisted_reason = st.getColumn(i++).getString();
  r.granted_ttl_s = st.getColumn(i++).getInt64();
  r.remote_created_at = ReadTime(st.getColumn(i++));
  r.expires_at = ReadTime(st.getColumn(i++));
  r.next_renewal_at = ReadTime(st.getColumn(i++));
  r.last_renewed_at = ReadTime(st.getColumn(i++));
  SK_ASSIGN_OR_RETURN(r.last_trigger, DecodeRenewedBy(st.getColumn(i++).getString()));
  r.last_reminder_at = ReadTime(st.getColumn(i++));
  r.reminder_path_broken = st.getColumn(i++).getInt() != 0;
  r.create_uncertain = st.getColumn(i++).getInt() != 0;
  r.failures = st.getColumn(i++).getInt();
  r.last_error = st.getColumn(i++).getString();
  r.last_error_at = ReadTime(st.getColumn(i++));
  r.token_fingerprint = st.getColumn(i++).getString();
  r.updated_at = ReadTime(st.getColumn(i++));
  r.lease_owner = st.getColumn(i++).getString();
  r.lease_until = ReadTime(st.getColumn(i++));
  return r;
}

const char* const kHistoryInsertSql =
    "INSERT INTO history (at, account, name, kind, remote_id, trigger, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
const char* const kHistorySelectSql =
    "SELECT id, at, account, name, kind, remote_id, trigger, detail FROM history";

void BindHistory(SQLite::Statement& st, const HistoryEntry& h) {
  int i = 1;
  st.bind(i++, ToUnixMillis(h.at));
  st.bind(i++, h.account);
  st.bind(i++, h.name);
  st.bind(i++, std::string(HistoryKindText(h.kind)));
  st.bind(i++, h.remote_id);
  st.bind(i++, std::string(subscription::RenewedByText(h.trigger)));
  st.bind(i++, h.detail);
}

Result<HistoryEntry> ReadHistory(const SQLite::Statement& st) {
  HistoryEntry h;
  int i = 0;
  h.id = st.getColumn(i++).getInt64();
  h.at = ReadTime(st.getColumn(i++));
  h.account = st.getColumn(i++).getString();
  h.name = st.getColumn(i++).getString();
  SK_ASSIGN_OR_RETURN(h.kind, DecodeColumn(st.getColumn(i++), "kind", ParseHistoryKind));
  h.remote_id = st.getColumn(i++).getString();
  // The history is an append-only log: a row this build cannot name still lists, as kNone.
  h.trigger = subscription::ParseRenewedBy(st.getColumn(i++).getString())
                  .value_or(subscription::RenewedBy::kNone);
  h.detail = st.getColumn(i++).getString();
  return h;
}

const char* const kEventInsertSql =
    "INSERT INTO events (uuid, account, name, subscription_id, event, body, received_at, kind, "
    "relay_state, attempts, next_attempt_at, last_error, delivered_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO NOTHING";
const char* const kEventSelectSql =
    "SELECT seq, uuid, account, name, subscription_id, event, body, received_at, kind, "
    "relay_state, attempts, next_attempt_at, last_error, delivered_at FROM events";

void BindEvent(SQLite::Statement& st, const EventRecord& e) {
  int i = 1;
  st.bind(i++, e.uuid);
  st.bind(i++, e.account);
  st.bind(i++, e.name);
  st.bind(i++, e.subscription_id);
  st.bind(i++, e.event);
  // As a BLOB: SQLite never re-encodes or truncates it, whatever bytes the platform sent.
  st.bind(i++, e.body.data(), static_cast<int>(e.body.size()));
  st.bind(i++, ToUnixMillis(e.received_at));
  st.bind(i++, std::string(EventKindText(e.kind)));
  st.bind(i++, std::string(RelayStateText(e.relay_state)));
  st.bind(i++, e.attempts);
  st.bind(i++, ToUnixMillis(e.next_attempt_at));
  st.bind(i++, e.last_error);
  st.bind(i++, ToUnixMillis(e.delivered_at));
}

Result<EventRecord> ReadEvent(const SQLite::Statement& st) {
  EventRecord e;
  int i = 0;
  e.seq = st.getColumn(i++).getInt64();
  e.uuid = st.getColumn(i++).getString();
  e.account = st.getColumn(i++).getString();
  e.name = st.getColumn(i++).getString();
  e.subscription_id = st.getColumn(i++).getString();
  e.event = st.getColumn(i++).getString();
  e.body = st.getColumn(i++).getString();  // SQLiteCpp reads BLOB bytes with their length
  e.received_at = ReadTime(st.getColumn(i++));
  SK_ASSIGN_OR_RETURN(e.kind, DecodeColumn(st.getColumn(i++), "kind", ParseEventKind));
  SK_ASSIGN_OR_RETURN(e.relay_state,
                      DecodeColumn(st.getColumn(i++), "relay_state", ParseRelayState));
  e.attempts = st.getColumn(i++).getInt();
  e.next_attempt_at = ReadTime(st.getColumn(i++));
  e.last_error = st.getColumn(i++).getString();
  e.delivered_at = ReadTime(st.getColumn(i++));
  return e;
}

}  // namespace subkeeper::store
