#include "postgres_codec.h"

#include <array>

#include "record_codec.h"

namespace subkeeper::store::pg {
namespace {

// Every column PutSubscription writes, in bind order; the lease columns are absent on purpose
// (an upsert never steals or drops a lease) and are selected last.
constexpr std::array<const char*, 26> kRecordColumns = {"account",
                                                        "name",
                                                        "event_filters",
                                                        "expires_in_s",
                                                        "reminder_filter",
                                                        "address",
                                                        "deliver_to",
                                                        "remote_id",
                                                        "status",
                                                        "remote_filters",
                                                        "disabled_filters",
                                                        "blacklisted_reason",
                                                        "granted_ttl_s",
                                                        "remote_created_at",
                                                        "expires_at",
                                                        "next_renewal_at",
                                                        "last_renewed_at",
                                                        "last_trigger",
                                                        "last_reminder_at",
                                                        "reminder_path_broken",
                                                        "create_uncertain",
                                                        "failures",
                                                        "last_error",
                                                        "last_error_at",
                                                        "token_fingerprint",
                                                        "updated_at"};

std::string BuildUpsertSql() {
  std::string cols, params, updates;
  for (size_t i = 0; i < kRecordColumns.size(); ++i) {
    const std::string c = kRecordColumns[i];
    cols += (i ? ", " : "") + c;
    params += (i ? ", $" : "$") + std::to_string(i + 1);
    if (c != "account" && c != "name")
      updates += (updates.empty() ? "" : ", ") + c + " = excluded." + c;
  }
  return "INSERT INTO subscriptions (" + cols + ") VALUES (" + params +
         ") ON CONFLICT (account, name) DO UPDATE SET " + updates;
}

std::string BuildSelectSql() {
  std::string cols;
  for (const char* c : kRecordColumns) cols += std::string(cols.empty() ? "" : ", ") + c;
  return "SELECT " + cols + ", lease_owner, lease_until FROM subscriptions";
}

}  // namespace

std::string EventKindColumn(const EventRecord& e) { return std::string(EventKindText(e.kind)); }
std::string RelayStateColumn(RelayState relay_state) {
  return std::string(RelayStateText(relay_state));
}
std::string HistoryKindColumn(const HistoryEntry& h) {
  return std::string(HistoryKindText(h.kind));
}
std::string RemoteStatusColumn(const SubscriptionRecord& r) { return std::string(r.status.word()); }
std::string AccountStateColumn(const platform::AccountSnapshot& a) {
  return EncodeCredentialState(a.state);
}
Status SetEventKind(EventRecord& e, const std::string& column) {
  SK_ASSIGN_OR_RETURN(e.kind, DecodeWord(column, "kind", ParseEventKind));
  return Status::OK();
}
Status SetRelayState(EventRecord& e, const std::string& column) {
  SK_ASSIGN_OR_RETURN(e.relay_state, DecodeWord(column, "relay_state", ParseRelayState));
  return Status::OK();
}
Status SetHistoryKind(HistoryEntry& h, const std::string& column) {
  SK_ASSIGN_OR_RETURN(h.kind, DecodeWord(column, "kind", ParseHistoryKind));
  return Status::OK();
}
void SetRemoteStatus(SubscriptionRecord& r, std::string column) {
  r.status = platform::RemoteStatus::Of(column);
}
Status SetAccountState(platform::AccountSnapshot& a, const std::string& column) {
  SK_ASSIGN_OR_RETURN(a.state, DecodeCredentialState(column));
  return Status::OK();
}

const std::string& SubscriptionUpsertSql() {
  static const std::string sql = BuildUpsertSql();
  return sql;
}

const std::string& SubscriptionSelectSql() {
  static const std::string sql = BuildSelectSql();
  return sql;
}

Result<Params> SubscriptionParams(const SubscriptionRecord& r, WallTime updated_at) {
  SK_ASSIGN_OR_RETURN(std::string filters, EncodeList(r.event_filters, "event_filters"));
  SK_ASSIGN_OR_RETURN(std::string remote, EncodeList(r.remote_filters, "remote_filters"));
  SK_ASSIGN_OR_RETURN(std::string disabled, EncodeList(r.disabled_filters, "disabled_filters"));
  Params p;
  p.Text(r.account).Text(r.name).Text(filters).Int(r.expires_in_s);
  p.Text(EncodeReminder(r.reminder)).Text(r.address).Text(r.deliver_to).Text(r.remote_id);
  p.Text(RemoteStatusColumn(r)).Text(remote).Text(disabled).Text(r.blacklisted_reason);
  p.Int(r.granted_ttl_s).Time(r.remote_created_at).Time(r.expires_at).Time(r.next_renewal_at);
  p.Time(r.last_renewed_at).Text(subscription::RenewedByText(r.last_trigger));
  p.Time(r.last_reminder_at).Bool(r.reminder_path_broken).Bool(r.create_uncertain);
  p.Int(r.failures).Text(r.last_error).Time(r.last_error_at).Text(r.token_fingerprint);
  p.Time(updated_at);
  return p;
}

Result<SubscriptionRecord> ReadSubscription(const Rows& rows, int row) {
  SubscriptionRecord r;
  int i = 0;
  r.account = rows.Text(row, i++);
  r.name = rows.Text(row, i++);
  SK_ASSIGN_OR_RETURN(r.event_filters, DecodeList(rows.Text(row, i++), "event_filters"));
  r.expires_in_s = rows.Int(row, i++);
  SK_ASSIGN_OR_RETURN(r.reminder, DecodeReminder(rows.Text(row, i++)));
  r.address = rows.Text(row, i++);
  r.deliver_to = rows.Text(row, i++);
  r.remote_id = rows.Text(row, i++);
  SetRemoteStatus(r, rows.Text(row, i++));
  SK_ASSIGN_OR_RETURN(r.remote_filters, DecodeList(rows.Text(row, i++), "remote_filters"));
  SK_ASSIGN_OR_RETURN(r.disabled_filters, DecodeList(rows.Text(row, i++), "disabled_filters"));
  r.blacklisted_reason = rows.Text(row, i++);
  r.granted_ttl_s = rows.Int(row, i++);
  r.remote_created_at = rows.Time(row, i++);
  r.expires_at = rows.Time(row, i++);
  r.next_renewal_at = rows.Time(row, i++);
  r.last_renewed_at = rows.Time(row, i++);
  SK_ASSIGN_OR_RETURN(r.last_trigger, DecodeRenewedBy(rows.Text(row, i++)));
  r.last_reminder_at = rows.Time(row, i++);
  r.reminder_path_broken = rows.Bool(row, i++);
  r.create_uncertain = rows.Bool(row, i++);
  r.failures = static_cast<int32_t>(rows.Int(row, i++));
  r.last_error = rows.Text(row, i++);
  r.last_error_at = rows.Time(row, i++);
  r.token_fingerprint = rows.Text(row, i++);
  r.updated_at = rows.Time(row, i++);
  r.lease_owner = rows.Text(row, i++);
  r.lease_until = rows.Time(row, i++);
  return r;
}

const char* const kHistoryInsertSql =
    "INSERT INTO history (at, account, name, kind, remote_id, trigger, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
const char* const kHistorySelectSql =
    "SELECT id, at, account, name, kind, remote_id, trigger, detail FROM history";

Params HistoryParams(const HistoryEntry& h) {
  Params p;
  p.Time(h.at).Text(h.account).Text(h.name).Text(HistoryKindColumn(h)).Text(h.remote_id);
  p.Text(subscription::RenewedByText(h.trigger)).Text(h.detail);
  return p;
}

Result<HistoryEntry> ReadHistory(const Rows& rows, int row) {
  HistoryEntry h;
  h.id = rows.Int(row, 0);
  h.at = rows.Time(row, 1);
  h.account = rows.Text(row, 2);
  h.name = rows.Text(row, 3);
  SK_RETURN_IF_ERROR(SetHistoryKind(h, rows.Text(row, 4)));
  h.remote_id = rows.Text(row, 5);
  // An append-only log: a trigger this build cannot name still lists, as kNone (as in SQLite).
  h.trigger =
      subscription::ParseRenewedBy(rows.Text(row, 6)).value_or(subscription::RenewedBy::kNone);
  h.detail = rows.Text(row, 7);
  return h;
}

const char* const kEventSelectSql =
    "SELECT seq, uuid, account, name, subscription_id, event, body, received_at, kind, "
    "relay_state, attempts, next_attempt_at, last_error, delivered_at FROM events";

Result<EventRecord> ReadEvent(const Rows& rows, int row) {
  EventRecord e;
  e.seq = rows.Int(row, 0);
  e.uuid = rows.Text(row, 1);
  e.account = rows.Text(row, 2);
  e.name = rows.Text(row, 3);
  e.subscription_id = rows.Text(row, 4);
  e.event = rows.Text(row, 5);
  SK_ASSIGN_OR_RETURN(e.body, rows.Bytes(row, 6));
  e.received_at = rows.Time(row, 7);
  SK_RETURN_IF_ERROR(SetEventKind(e, rows.Text(row, 8)));
  SK_RETURN_IF_ERROR(SetRelayState(e, rows.Text(row, 9)));
  e.attempts = static_cast<int32_t>(rows.Int(row, 10));
  e.next_attempt_at = rows.Time(row, 11);
  e.last_error = rows.Text(row, 12);
  e.delivered_at = rows.Time(row, 13);
  return e;
}

const char* const kEventInsertColumns =
    "uuid, account, name, subscription_id, event, body, received_at, kind, relay_state, "
    "attempts, next_attempt_at, last_error, delivered_at";

Params EventParams(const EventRecord& e) {
  Params p;
  p.Text(e.uuid).Text(e.account).Text(e.name).Text(e.subscription_id).Text(e.event);
  p.Bytes(e.body)
      .Time(e.received_at)
      .Text(EventKindColumn(e))
      .Text(RelayStateColumn(e.relay_state));
  p.Int(e.attempts).Time(e.next_attempt_at).Text(e.last_error).Time(e.delivered_at);
  return p;
}

}  // namespace subkeeper::store::pg
