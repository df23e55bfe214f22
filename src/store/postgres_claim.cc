// PostgresStore's ClaimStore: claims on accounts shared by several keepers. A claim's row is
// locked (FOR UPDATE) while a claim decides on it, so two keepers claiming at once are
// serialised and exactly one wins; a fenced write reads the epoch FOR SHARE in its own
// transaction, so a takeover waits for a write in flight and a write after a takeover sees the
// new epoch (the fence of Temporal's shard writes, docs/postgresql-store.md).
#include "claim_rules.h"
#include "postgres_store_impl.h"

namespace subkeeper::store {
namespace {

using pg::Exec;
using pg::Params;
using pg::Rows;

AccountClaim ReadClaim(const Rows& rows, int row) {
  AccountClaim c;
  c.account = rows.Text(row, 0);
  c.owner = rows.Text(row, 1);
  c.epoch = rows.Int(row, 2);
  c.until = rows.Time(row, 3);
  return c;
}

}  // namespace

Result<std::optional<AccountClaim>> PostgresStore::TryClaimAccount(std::string_view account,
                                                                   std::string_view owner,
                                                                   WallTime now, WallTime until) {
  SK_RETURN_IF_ERROR(CheckClaimRequest(account, owner, now, until));
  const std::string op = "claim account " + std::string(account);
  return Transact(op, [&](PGconn* conn) -> Result<std::optional<AccountClaim>> {
    // The row exists before it is locked: SELECT … FOR UPDATE locks no row that is not there,
    // and two first claims would otherwise both insert.
    SK_RETURN_IF_ERROR(Exec(conn, op,
                            "INSERT INTO account_claims (account) VALUES ($1) ON CONFLICT "
                            "(account) DO NOTHING",
                            Params().Text(account))
                           .status());
    SK_ASSIGN_OR_RETURN(Rows rows, Exec(conn, op,
                                        "SELECT account, owner, epoch, until FROM account_claims "
                                        "WHERE account = $1 FOR UPDATE",
                                        Params().Text(account)));
    if (rows.size() != 1) return Status::Internal("store: " + op + ": the claim row is missing");
    std::optional<AccountClaim> next = NextClaim(ReadClaim(rows, 0), owner, now, until);
    if (!next) return next;
    SK_RETURN_IF_ERROR(
        Exec(conn, op,
             "UPDATE account_claims SET owner = $2, epoch = $3, until = $4 WHERE account = $1",
             Params().Text(account).Text(next->owner).Int(next->epoch).Time(next->until))
            .status());
    return next;
  });
}

Result<bool> PostgresStore::ExtendClaim(std::string_view account, int64_t epoch, WallTime now,
                                        WallTime until) {
  const std::string op = "extend claim on account " + std::string(account);
  return Single([&](PGconn* conn) -> Result<bool> {
    // A compare-and-set on the epoch: under READ COMMITTED an UPDATE that waited for a
    // concurrent takeover re-checks its WHERE against the new row and then changes nothing.
    SK_ASSIGN_OR_RETURN(Rows rows,
                        Exec(conn, op,
                             "UPDATE account_claims SET until = $4 WHERE account = $1 AND "
                             "epoch = $2 AND owner <> '' AND until > $3",
                             Params().Text(account).Int(epoch).Time(now).Time(until)));
    return rows.Affected() == 1;
  });
}

Status PostgresStore::ReleaseClaim(std::string_view account, int64_t epoch) {
  const std::string op = "release claim on account " + std::string(account);
  return Single([&](PGconn* conn) -> Status {
    return Exec(conn, op,
                "UPDATE account_claims SET owner = '', until = 0 WHERE account = $1 AND epoch = $2",
                Params().Text(account).Int(epoch))
        .status();
  });
}

Result<std::vector<AccountClaim>> PostgresStore::ListClaims() {
  return Single([&](PGconn* conn) -> Result<std::vector<AccountClaim>> {
    SK_ASSIGN_OR_RETURN(
        Rows rows,
        Exec(conn, "list claims",
             "SELECT account, owner, epoch, until FROM account_claims ORDER BY account"));
    std::vector<AccountClaim> out;
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadClaim(rows, i));
    return out;
  });
}

}  // namespace subkeeper::store
