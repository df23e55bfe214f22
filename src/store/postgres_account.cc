// PostgresStore's small roles: platform::AccountStateStore (tokens, credential state, rate
// blocks, and ClaimStore's fenced save), ConditionStore and RotationStore.
#include <nlohmann/json.hpp>

#include "budget_rules.h"
#include "postgres_codec.h"
#include "postgres_store_impl.h"
#include "record_codec.h"
#include "subkeeper/common/log.h"

namespace subkeeper::store {
namespace {

using pg::Exec;
using pg::Params;
using pg::Rows;
using platform::AccountSnapshot;
using platform::RateBlock;

const char* const kAccountUpsertSql =
    "INSERT INTO accounts (account, credential_fingerprint, access_token, access_expires_at, "
    "refresh_token, refresh_expires_at, state, auth_failures, next_login_at, last_error, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (account) DO "
    "UPDATE SET credential_fingerprint = excluded.credential_fingerprint, "
    "access_token = excluded.access_token, access_expires_at = excluded.access_expires_at, "
    "refresh_token = excluded.refresh_token, refresh_expires_at = excluded.refresh_expires_at, "
    "state = excluded.state, auth_failures = excluded.auth_failures, "
    "next_login_at = excluded.next_login_at, last_error = excluded.last_error, "
    "updated_at = excluded.updated_at";

Params AccountParams(const AccountSnapshot& a, WallTime now) {
  Params p;
  p.Text(a.account).Text(a.credential_fingerprint).Text(a.access_token.Reveal());
  p.Time(a.access_expires_at).Text(a.refresh_token.Reveal()).Time(a.refresh_expires_at);
  p.Text(pg::AccountStateColumn(a)).Int(a.auth_failures).Time(a.next_login_at);
  p.Text(a.last_error).Time(now);
  return p;
}

Result<AccountSnapshot> ReadAccount(const Rows& rows, int row) {
  AccountSnapshot a;
  a.account = rows.Text(row, 0);
  a.credential_fingerprint = rows.Text(row, 1);
  a.access_token = Secret(rows.Text(row, 2));
  a.access_expires_at = rows.Time(row, 3);
  a.refresh_token = Secret(rows.Text(row, 4));
  a.refresh_expires_at = rows.Time(row, 5);
  SK_RETURN_IF_ERROR(pg::SetAccountState(a, rows.Text(row, 6)));
  a.auth_failures = static_cast<int32_t>(rows.Int(row, 7));
  a.next_login_at = rows.Time(row, 8);
  a.last_error = rows.Text(row, 9);
  a.updated_at = rows.Time(row, 10);
  return a;
}

// The key of the transaction-scoped advisory lock PutWebhookSecrets holds ("skwhsec" in ASCII;
// the migration lock is "skeeper").
constexpr int64_t kWebhookSecretsLockKey = 0x736b7768736563;

}  // namespace

Result<std::vector<AccountSnapshot>> PostgresStore::LoadAccounts() {
  return Single([&](PGconn* conn) -> Result<std::vector<AccountSnapshot>> {
    SK_ASSIGN_OR_RETURN(
        Rows rows, Exec(conn, "list accounts",
                        "SELECT account, credential_fingerprint, access_token, access_expires_at, "
                        "refresh_token, refresh_expires_at, state, auth_failures, next_login_at, "
                        "last_error, updated_at FROM accounts ORDER BY account"));
    std::vector<AccountSnapshot> out;
    for (int i = 0; i < rows.size(); ++i) {
      SK_ASSIGN_OR_RETURN(AccountSnapshot a, ReadAccount(rows, i));
      out.push_back(std::move(a));
    }
    return out;
  });
}

Status PostgresStore::SaveAccount(const AccountSnapshot& a) {
  if (a.account.empty()) return Status::InvalidArgument("store: an account needs a name");
  return Single([&](PGconn* conn) -> Status {
    // The message names the account only; the bind values hold the tokens and PostgreSQL's
    // primary messages do not quote them.
    return Exec(conn, "put account " + a.account, kAccountUpsertSql, AccountParams(a, clock_.Now()))
        .status();
  });
}

Result<bool> PostgresStore::SaveAccountFenced(const AccountSnapshot& a, int64_t epoch) {
  if (a.account.empty()) return Status::InvalidArgument("store: an account needs a name");
  const std::string op = "put account " + a.account + " (fenced)";
  return Transact(op, [&](PGconn* conn) -> Result<bool> {
    // FOR SHARE: a takeover (which locks the row FOR UPDATE) waits until this commits, and this
    // waits for a takeover in flight, then reads its epoch.
    SK_ASSIGN_OR_RETURN(
        Rows rows, Exec(conn, op, "SELECT epoch FROM account_claims WHERE account = $1 FOR SHARE",
                        Params().Text(a.account)));
    const int64_t current = rows.empty() ? 0 : rows.Int(0, 0);
    if (current != epoch) return false;
    SK_RETURN_IF_ERROR(Exec(conn, op, kAccountUpsertSql, AccountParams(a, clock_.Now())).status());
    return true;
  });
}

Status PostgresStore::SaveRateBlock(const RateBlock& block) {
  if (block.account.empty()) return Status::InvalidArgument("store: a rate block needs an account");
  const std::string group(EncodeRateGroup(block.group));
  const std::string op = "put rate block " + block.account + "/" + group;
  return Transact(op, [&](PGconn* conn) -> Status {
    // Written rarely (on a 429): dropping the finished blocks here keeps the table small.
    SK_RETURN_IF_ERROR(
        Exec(conn, op, "DELETE FROM rate_blocks WHERE until <= $1", Params().Time(clock_.Now()))
            .status());
    return Exec(conn, op,
                "INSERT INTO rate_blocks (account, grp, until) VALUES ($1, $2, $3) "
                "ON CONFLICT (account, grp) DO UPDATE SET until = excluded.until",
                Params().Text(block.account).Text(group).Time(block.until))
        .status();
  });
}

Result<Millis> PostgresStore::SpendRequest(std::string_view account, platform::RateGroup group,
                                           int limit, Seconds window, WallTime now) {
  if (account.empty()) return Status::InvalidArgument("store: a request spend needs an account");
  const std::string grp(EncodeRateGroup(group));
  const std::string op = "spend a request of " + std::string(account) + "/" + grp;
  return Transact(op, [&](PGconn* conn) -> Result<Millis> {
    // The row exists before it is locked, so two first spends cannot both insert.
    SK_RETURN_IF_ERROR(Exec(conn, op,
                            "INSERT INTO rate_spends (account, grp) VALUES ($1, $2) ON CONFLICT "
                            "(account, grp) DO NOTHING",
                            Params().Text(account).Text(grp))
                           .status());
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, op,
                                        "SELECT sent FROM rate_spends WHERE account = $1 AND "
                                        "grp = $2 FOR UPDATE",
                                        Params().Text(account).Text(grp)));
    if (rows.size() != 1) return Status::Internal("store: " + op + ": the row is missing");
    const nlohmann::json log = nlohmann::json::parse(rows.Text(0, 0), nullptr, false);
    std::vector<int64_t> sent;
    if (log.is_array()) {
      for (const auto& at : log) {
        if (at.is_number_integer()) sent.push_back(at.get<int64_t>());
      }
    }
    SpendDecision decision = SpendFromLog(std::move(sent), limit, window, ToUnixMillis(now));
    if (!decision.spent) return decision.wait;
    SK_RETURN_IF_ERROR(
        Exec(conn, op, "UPDATE rate_spends SET sent = $3 WHERE account = $1 AND grp = $2",
             Params().Text(account).Text(grp).Text(nlohmann::json(decision.sent).dump()))
            .status());
    return Millis(0);
  });
}

Result<std::vector<RateBlock>> PostgresStore::LoadRateBlocks(WallTime now) {
  return Single([&](PGconn* conn) -> Result<std::vector<RateBlock>> {
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list rate blocks",
                                        "SELECT account, grp, until FROM rate_blocks WHERE until "
                                        "> $1 ORDER BY account, grp",
                                        Params().Time(now)));
    std::vector<RateBlock> out;
    for (int i = 0; i < rows.size(); ++i) {
      RateBlock b;
      b.account = rows.Text(i, 0);
      const std::string word = rows.Text(i, 1);
      std::optional<platform::RateGroup> group = DecodeRateGroup(word);
      if (!group) {
        logging::StoreLog().warn(
            "store: ignoring a rate block of unknown group '{}' for account {}", word, b.account);
        continue;
      }
      b.group = *group;
      b.until = rows.Time(i, 2);
      out.push_back(std::move(b));
    }
    return out;
  });
}

Result<std::vector<ConditionTransition>> PostgresStore::ListConditionTransitions(
    const SubscriptionKey* only) {
  return Single([&](PGconn* conn) -> Result<std::vector<ConditionTransition>> {
    const std::string select =
        "SELECT account, name, type, status, reason, since FROM condition_transitions";
    Params params;
    if (only != nullptr) params.Text(only->account).Text(only->name);
    SK_ASSIGN_OR_RETURN(
        Rows rows, Exec(conn, "list condition transitions",
                        only != nullptr ? select + " WHERE account = $1 AND name = $2 ORDER BY type"
                                        : select + " ORDER BY account, name, type",
                        params));
    std::vector<ConditionTransition> out;
    for (int i = 0; i < rows.size(); ++i) {
      out.push_back({rows.Text(i, 0), rows.Text(i, 1), rows.Text(i, 2), rows.Bool(i, 3),
                     rows.Text(i, 4), rows.Time(i, 5)});
    }
    return out;
  });
}

Status PostgresStore::PutConditionTransitions(const std::vector<ConditionTransition>& transitions) {
  if (transitions.empty()) return Status::OK();
  constexpr std::string_view kOp = "put condition transitions";
  return Transact(kOp, [&](PGconn* conn) -> Status {
    for (const ConditionTransition& t : transitions) {
      SK_RETURN_IF_ERROR(
          Exec(
              conn, kOp,
              "INSERT INTO condition_transitions (account, name, type, status, reason, since) "
              "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account, name, type) DO UPDATE SET "
              "status = excluded.status, reason = excluded.reason, since = excluded.since",
              Params().Text(t.account).Text(t.name).Text(t.type).Bool(t.status).Text(t.reason).Time(
                  t.since))
              .status());
    }
    return Status::OK();
  });
}

Result<std::vector<Secret>> PostgresStore::ListWebhookSecrets() {
  return Single([&](PGconn* conn) -> Result<std::vector<Secret>> {
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, "list webhook secrets",
                                        "SELECT secret FROM webhook_secrets ORDER BY position"));
    std::vector<Secret> out;
    for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.Text(i, 0));
    return out;
  });
}

Status PostgresStore::PutWebhookSecrets(const std::vector<Secret>& secrets) {
  constexpr std::string_view kOp = "put webhook secrets";
  return Transact(kOp, [&](PGconn* conn) -> Status {
    // Replicas rewriting the list at once take turns: without the lock, the second DELETE does
    // not see the first's new rows and its INSERT fails on their positions.
    SK_RETURN_IF_ERROR(
        Exec(conn, kOp, "SELECT pg_advisory_xact_lock($1)", Params().Int(kWebhookSecretsLockKey))
            .status());
    SK_RETURN_IF_ERROR(Exec(conn, kOp, "DELETE FROM webhook_secrets").status());
    for (size_t i = 0; i < secrets.size(); ++i) {
      SK_RETURN_IF_ERROR(Exec(conn, kOp,
                              "INSERT INTO webhook_secrets (position, secret) VALUES ($1, $2)",
                              Params().Int(static_cast<int64_t>(i)).Text(secrets[i].Reveal()))
                             .status());
    }
    return Status::OK();
  });
}

}  // namespace subkeeper::store
