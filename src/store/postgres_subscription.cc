// PostgresStore's SubscriptionStore: records, the renewal schedule and leases.
#include <algorithm>

#include "postgres_codec.h"
#include "postgres_store_impl.h"
#include "record_codec.h"
#include "sqlite_store_impl.h"  // CheckKey, Route

namespace subkeeper::store {
namespace {

using pg::Exec;
using pg::Params;
using pg::Rows;

Result<std::vector<SubscriptionRecord>> ReadSubscriptions(const Rows& rows) {
  std::vector<SubscriptionRecord> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    SK_ASSIGN_OR_RETURN(SubscriptionRecord r, pg::ReadSubscription(rows, i));
    out.push_back(std::move(r));
  }
  return out;
}

// Keyset paging with a row-value comparison, served by the (next_renewal_at, account, name)
// index (https://www.postgresql.org/docs/15/functions-comparisons.html#ROW-WISE-COMPARISON).
const char* const kScheduleSql =
    "SELECT account, name, next_renewal_at FROM subscriptions "
    "WHERE next_renewal_at <> 0 AND (next_renewal_at, account, name) > ($1, $2, $3) "
    "ORDER BY next_renewal_at, account, name LIMIT $4";

// The columns conditions and expiry are derived from (SubscriptionStore::ListSubscriptionStates).
const char* const kStateSelectSql =
    "SELECT account, name, remote_id, status, expires_at, failures, last_error, "
    "blacklisted_reason, reminder_filter, reminder_path_broken, disabled_filters FROM "
    "subscriptions";

Result<std::vector<SubscriptionRecord>> ReadStates(const Rows& rows) {
  std::vector<SubscriptionRecord> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    SubscriptionRecord r;
    r.account = rows.Text(i, 0);
    r.name = rows.Text(i, 1);
    r.remote_id = rows.Text(i, 2);
    pg::SetRemoteStatus(r, rows.Text(i, 3));
    r.expires_at = rows.Time(i, 4);
    r.failures = static_cast<int32_t>(rows.Int(i, 5));
    r.last_error = rows.Text(i, 6);
    r.blacklisted_reason = rows.Text(i, 7);
    SK_ASSIGN_OR_RETURN(r.reminder, DecodeReminder(rows.Text(i, 8)));
    r.reminder_path_broken = rows.Bool(i, 9);
    SK_ASSIGN_OR_RETURN(r.disabled_filters, DecodeList(rows.Text(i, 10), "disabled_filters"));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Result<std::vector<SubscriptionRecord>> PostgresStore::ListSubscriptionStates() {
  return Single([&](PGconn* conn) -> Result<std::vector<SubscriptionRecord>> {
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list subscription states",
                                        std::string(kStateSelectSql) + " ORDER BY account, name"));
    return ReadStates(rows);
  });
}

Status PostgresStore::VisitSubscriptionStates(const SubscriptionStateVisitor& visit,
                                              int chunk_rows) {
  if (chunk_rows <= 0) {
    return Status::InvalidArgument("store: a walk over subscription states needs a chunk > 0");
  }
  // Keyset pagination on the primary key: each chunk is one statement (one consistent read) on
  // a connection that goes back to the pool before `visit` runs, so `visit` may call the store
  // and no transaction stays open across the walk.
  std::string after_account, after_name;
  for (bool first = true;; first = false) {
    std::vector<SubscriptionRecord> chunk;
    {
      Result<std::vector<SubscriptionRecord>> read =
          Single([&](PGconn* conn) -> Result<std::vector<SubscriptionRecord>> {
            Params params;
            if (!first) params.Text(after_account).Text(after_name);
            params.Int(chunk_rows);
            SK_ASSIGN_OR_RETURN(
                Rows rows,
                Exec(conn, "list subscription states",
                     std::string(kStateSelectSql) +
                         (first ? " ORDER BY account, name LIMIT $1"
                                : " WHERE (account, name) > ($1, $2) ORDER BY account, name "
                                  "LIMIT $3"),
                     params));
            return ReadStates(rows);
          });
      SK_RETURN_IF_ERROR(read.status());
      chunk = std::move(read).value();
    }
    for (const SubscriptionRecord& r : chunk) visit(StateViewOf(r));
    if (chunk.size() < static_cast<size_t>(chunk_rows)) return Status::OK();
    after_account = chunk.back().account;
    after_name = chunk.back().name;
  }
}

Result<std::vector<SubscriptionRecord>> PostgresStore::ListSubscriptions() {
  return Single([&](PGconn* conn) -> Result<std::vector<SubscriptionRecord>> {
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list subscriptions",
                                        pg::SubscriptionSelectSql() + " ORDER BY account, name"));
    return ReadSubscriptions(rows);
  });
}

Result<std::vector<SubscriptionHead>> PostgresStore::ListSubscriptionHeads(
    const SubscriptionKey* after, int limit) {
  if (limit <= 0)
    return Status::InvalidArgument("store: a page of subscriptions needs a limit > 0");
  return Single([&](PGconn* conn) -> Result<std::vector<SubscriptionHead>> {
    Params params;
    if (after != nullptr) params.Text(after->account).Text(after->name);
    params.Int(limit);
    SK_ASSIGN_OR_RETURN(
        Rows rows,
        Exec(conn, "list subscriptions",
             std::string("SELECT account, name, reminder_filter, token_fingerprint, remote_id "
                         "FROM subscriptions") +
                 (after != nullptr
                      ? " WHERE (account, name) > ($1, $2) ORDER BY account, name LIMIT $3"
                      : " ORDER BY account, name LIMIT $1"),
             params));
    std::vector<SubscriptionHead> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
      SK_ASSIGN_OR_RETURN(auto reminder, DecodeReminder(rows.Text(i, 2)));
      out.push_back(SubscriptionHead{rows.Text(i, 0), rows.Text(i, 1), std::move(reminder),
                                     rows.Text(i, 3), rows.Text(i, 4)});
    }
    return out;
  });
}

Result<std::vector<SubscriptionRecord>> PostgresStore::ListAccountSubscriptions(
    std::string_view account) {
  return Single([&](PGconn* conn) -> Result<std::vector<SubscriptionRecord>> {
    SK_ASSIGN_OR_RETURN(Rows rows,
                        Exec(conn, "list subscriptions of " + std::string(account),
                             pg::SubscriptionSelectSql() + " WHERE account = $1 ORDER BY name",
                             Params().Text(account)));
    return ReadSubscriptions(rows);
  });
}

Result<std::optional<SubscriptionRecord>> PostgresStore::GetSubscription(std::string_view account,
                                                                         std::string_view name) {
  using Out = std::optional<SubscriptionRecord>;
  return Single([&](PGconn* conn) -> Result<Out> {
    SK_ASSIGN_OR_RETURN(Rows rows,
                        Exec(conn, "get subscription " + Route(account, name),
                             pg::SubscriptionSelectSql() + " WHERE account = $1 AND name = $2",
                             Params().Text(account).Text(name)));
    if (rows.empty()) return Out();
    SK_ASSIGN_OR_RETURN(SubscriptionRecord r, pg::ReadSubscription(rows, 0));
    return Out(std::move(r));
  });
}

Result<std::vector<ScheduleEntry>> PostgresStore::ListSchedule(
    const std::optional<ScheduleEntry>& after, int limit) {
  if (limit <= 0) return Status::InvalidArgument("store: a schedule page needs a limit > 0");
  return Single([&](PGconn* conn) -> Result<std::vector<ScheduleEntry>> {
    // From the start: (0, '', '') sorts before every set time.
    Params params;
    params.Int(after ? ToUnixMillis(after->next_renewal_at) : int64_t{0});
    params.Text(after ? after->account : std::string()).Text(after ? after->name : std::string());
    params.Int(limit);
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list schedule", kScheduleSql, params));
    std::vector<ScheduleEntry> out;
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back(ScheduleEntry{rows.Text(i, 0), rows.Text(i, 1), rows.Time(i, 2)});
    }
    return out;
  });
}

Status PostgresStore::PutSubscription(const SubscriptionRecord& record,
                                      const std::optional<HistoryEntry>& history) {
  SK_RETURN_IF_ERROR(CheckKey(record.account, record.name));
  if (history) {
    for (const EventRecord& e : history->outbox) {
      if (e.uuid.empty()) return Status::InvalidArgument("store: an outbox event needs a uuid");
    }
  }
  const std::string op = "put subscription " + Route(record.account, record.name);
  const WallTime now = clock_.Now();
  SK_ASSIGN_OR_RETURN(Params params, pg::SubscriptionParams(record, now));
  return Transact(op, [&](PGconn* conn) -> Status {
    SK_RETURN_IF_ERROR(Exec(conn, op, pg::SubscriptionUpsertSql(), params).status());
    if (history) {
      SK_RETURN_IF_ERROR(InsertHistory(conn, op, *history, record.account, record.name, now));
    }
    return Status::OK();
  });
}

Status PostgresStore::DeleteSubscription(std::string_view account, std::string_view name,
                                         const std::optional<HistoryEntry>& history) {
  if (history) {
    for (const EventRecord& e : history->outbox) {
      if (e.uuid.empty()) return Status::InvalidArgument("store: an outbox event needs a uuid");
    }
  }
  const std::string op = "delete subscription " + Route(account, name);
  return Transact(op, [&](PGconn* conn) -> Status {
    const Params key = Params().Text(account).Text(name);
    SK_RETURN_IF_ERROR(
        Exec(conn, op, "DELETE FROM subscriptions WHERE account = $1 AND name = $2", key).status());
    SK_RETURN_IF_ERROR(
        Exec(conn, op, "DELETE FROM condition_transitions WHERE account = $1 AND name = $2", key)
            .status());
    if (history) {
      SK_RETURN_IF_ERROR(InsertHistory(conn, op, *history, account, name, clock_.Now()));
    }
    return Status::OK();
  });
}

Result<bool> PostgresStore::TryAcquireLease(std::string_view account, std::string_view name,
                                            std::string_view owner, WallTime now, WallTime until) {
  if (owner.empty()) return Status::InvalidArgument("store: a lease owner must not be empty");
  const std::string op = "acquire lease on " + Route(account, name);
  return Transact(op, [&](PGconn* conn) -> Result<bool> {
    // One conditional UPDATE: under READ COMMITTED a writer blocked on the row re-checks the
    // WHERE against the newest version
    // (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-READ-COMMITTED), so two
    // replicas racing for a free lease cannot both win.
    SK_ASSIGN_OR_RETURN(
        Rows updated,
        Exec(conn, op,
             "UPDATE subscriptions SET lease_owner = $1, lease_until = $2, updated_at = $3 WHERE "
             "account = $4 AND name = $5 AND (lease_owner = '' OR lease_until <= $6 OR "
             "lease_owner = $1)",
             Params()
                 .Text(owner)
                 .Time(until)
                 .Time(clock_.Now())
                 .Text(account)
                 .Text(name)
                 .Time(now)));
    if (updated.Affected() > 0) return true;
    SK_ASSIGN_OR_RETURN(
        Rows exists, Exec(conn, op, "SELECT 1 FROM subscriptions WHERE account = $1 AND name = $2",
                          Params().Text(account).Text(name)));
    if (exists.empty()) return Status::NotFound("store: no subscription " + Route(account, name));
    return false;
  });
}

Status PostgresStore::ReleaseLease(std::string_view account, std::string_view name,
                                   std::string_view owner) {
  return Single([&](PGconn* conn) -> Status {
    return Exec(conn, "release lease on " + Route(account, name),
                "UPDATE subscriptions SET lease_owner = '', lease_until = 0, updated_at = $1 "
                "WHERE account = $2 AND name = $3 AND lease_owner = $4",
                Params().Time(clock_.Now()).Text(account).Text(name).Text(owner))
        .status();
  });
}

}  // namespace subkeeper::store
