-- Claims on accounts (include/subkeeper/store/claim_store.h): who may call the platform for an
-- account, until when, and the fencing epoch every write made under the claim is checked
-- against (SELECT … FOR SHARE in the writing transaction, as Temporal fences its shard writes
-- with range_id). A row is created by the first claim and never deleted, so an epoch is never
-- reused.
CREATE TABLE account_claims (
  account text COLLATE "C" PRIMARY KEY,
  owner   text   NOT NULL DEFAULT '',
  epoch   bigint NOT NULL DEFAULT 0,
  until   bigint NOT NULL DEFAULT 0  -- Unix milliseconds; <= now: lapsed
);
