-- Claims on accounts (store/claim_store.h): who may call the platform for an account, until
-- when, and the fencing epoch its writes are checked against. A row is created by the first
-- claim and never deleted, so an epoch is never reused. With SQLite there is one keeper, which
-- always holds its accounts' claims; the table is here so both stores keep one contract.
CREATE TABLE account_claims (
  account TEXT    NOT NULL PRIMARY KEY,
  owner   TEXT    NOT NULL DEFAULT '',
  epoch   INTEGER NOT NULL DEFAULT 0,
  until   INTEGER NOT NULL DEFAULT 0  -- Unix milliseconds; <= now: lapsed
);
