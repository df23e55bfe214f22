-- subkeeper schema, version 3: many accounts. The renewal schedule is read through an index, and
-- each account's credential state and rate-limit penalties survive a restart.
-- Applied in one transaction with PRAGMA user_version, like every migration.

-- A create whose outcome is unknown (see SubscriptionRecord::create_uncertain). Existing rows
-- were written by builds that never left a create uncertain, hence 0.
ALTER TABLE subscriptions ADD COLUMN create_uncertain INTEGER NOT NULL DEFAULT 0;

-- ListSchedule: keyset paging in (next_renewal_at, account, name) order, one seek per page
-- whatever the number of records. Covering, so a page never reads the wide rows. Partial: a
-- record without a timer (0 = unset) is never due and costs it nothing.
-- The condition is "<> 0", not "> 0", on purpose: SQLite uses a partial index only when the query
-- repeats its condition literally, and a repeated "next_renewal_at > 0" is itself a range on the
-- first column, which the planner then seeks with instead of the row value (it scanned every
-- entry from the start of the schedule and filtered). "<>" is never a seek term, so the seek is
-- on (next_renewal_at, account, name) > (?, ?, ?). Times are never negative, so both mean "set".
CREATE INDEX subscriptions_schedule ON subscriptions (next_renewal_at, account, name)
  WHERE next_renewal_at <> 0;

-- Replaced by subscriptions_schedule: nothing else queries by next_renewal_at, and every Put
-- would keep maintaining it.
DROP INDEX subscriptions_next_renewal_at;

-- One row per account that has logged in or been refused. The tokens are secrets: they live only
-- in this file (mode 0600). Times are Unix ms, 0 = unset, as everywhere.
CREATE TABLE accounts (
  account                TEXT    NOT NULL PRIMARY KEY,
  credential_fingerprint TEXT    NOT NULL DEFAULT '',
  access_token           TEXT    NOT NULL DEFAULT '',
  access_expires_at      INTEGER NOT NULL DEFAULT 0,
  refresh_token          TEXT    NOT NULL DEFAULT '',
  refresh_expires_at     INTEGER NOT NULL DEFAULT 0,
  state                  TEXT    NOT NULL DEFAULT '',
  auth_failures          INTEGER NOT NULL DEFAULT 0,
  next_login_at          INTEGER NOT NULL DEFAULT 0,
  last_error             TEXT    NOT NULL DEFAULT '',
  updated_at             INTEGER NOT NULL DEFAULT 0
);

-- Rate-limit penalties in force: no request of group `grp` ("group" is an SQL keyword) for
-- `account` before `until`. A handful of rows at most (accounts x 4 groups), read whole at
-- start-up, so the primary key is the only index; expired rows are deleted on the next write.
CREATE TABLE rate_blocks (
  account TEXT    NOT NULL,
  grp     TEXT    NOT NULL,
  until   INTEGER NOT NULL,
  PRIMARY KEY (account, grp)
);
