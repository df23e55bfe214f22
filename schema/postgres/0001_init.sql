-- subkeeper PostgreSQL schema, version 1: the tables of the SQLite schema up to its version 5
-- (schema/0001_init.sql … 0005_webhook_secrets.sql), with the same encodings, so both stores
-- pass one conformance suite. Applied by the store's migration runner in one transaction that
-- also records the version in subkeeper_schema; this file must not write that table itself.
-- Times are bigint Unix milliseconds, 0 = unset. String lists are JSON arrays of strings (as
-- text, so they read back byte for byte). Keys are COLLATE "C": ordered by bytes like SQLite,
-- whatever the database's default collation.

-- One row per configured subscription, keyed by (account, name). See store/records.h.
CREATE TABLE subscriptions (
  account              text COLLATE "C" NOT NULL,
  name                 text COLLATE "C" NOT NULL,
  event_filters        text    NOT NULL DEFAULT '[]',
  expires_in_s         bigint  NOT NULL DEFAULT 0,
  reminder_filter      text    NOT NULL DEFAULT '',
  address              text    NOT NULL DEFAULT '',
  deliver_to           text    NOT NULL DEFAULT '',
  remote_id            text    NOT NULL DEFAULT '',
  status               text    NOT NULL DEFAULT '',
  remote_filters       text    NOT NULL DEFAULT '[]',
  disabled_filters     text    NOT NULL DEFAULT '[]',
  blacklisted_reason   text    NOT NULL DEFAULT '',
  granted_ttl_s        bigint  NOT NULL DEFAULT 0,
  remote_created_at    bigint  NOT NULL DEFAULT 0,
  expires_at           bigint  NOT NULL DEFAULT 0,
  next_renewal_at      bigint  NOT NULL DEFAULT 0,
  last_renewed_at      bigint  NOT NULL DEFAULT 0,
  last_trigger         text    NOT NULL DEFAULT '',
  last_reminder_at     bigint  NOT NULL DEFAULT 0,
  reminder_path_broken boolean NOT NULL DEFAULT false,
  create_uncertain     boolean NOT NULL DEFAULT false,
  failures             integer NOT NULL DEFAULT 0,
  last_error           text    NOT NULL DEFAULT '',
  last_error_at        bigint  NOT NULL DEFAULT 0,
  token_fingerprint    text    NOT NULL DEFAULT '',
  -- Written only by the lease operations, never by an upsert of the record.
  lease_owner          text    NOT NULL DEFAULT '',
  lease_until          bigint  NOT NULL DEFAULT 0,
  updated_at           bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (account, name)
);
CREATE INDEX subscriptions_remote_id ON subscriptions (remote_id);
-- ListSchedule: keyset paging in (next_renewal_at, account, name) order; a record without a
-- timer (0) is never due and costs the index nothing.
CREATE INDEX subscriptions_schedule ON subscriptions (next_renewal_at, account, name)
  WHERE next_renewal_at <> 0;

-- Append-only lifecycle history. Rows outlive the subscription they describe.
CREATE TABLE history (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        bigint NOT NULL,
  account   text COLLATE "C" NOT NULL,
  name      text COLLATE "C" NOT NULL,
  kind      text   NOT NULL,
  remote_id text   NOT NULL DEFAULT '',
  trigger   text   NOT NULL DEFAULT '',
  detail    text   NOT NULL DEFAULT ''
);
CREATE INDEX history_route ON history (account, name, id);

-- One row per (account, name) that has had an event. Every insert of an event first locks its
-- subscription's row here and only then draws the event's seq, in the same transaction: a
-- second insert for that subscription waits for the first to commit, so per subscription,
-- commit order is seq order and a reader never sees seq n+1 before seq n (an identity alone is
-- drawn outside transactions: https://www.postgresql.org/docs/15/functions-sequence.html).
-- last_seq is the highest seq inserted for it.
CREATE TABLE event_streams (
  account  text COLLATE "C" NOT NULL,
  name     text COLLATE "C" NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account, name)
);

-- Notifications committed before they are acknowledged, and the relay's outbox; uuid is the
-- dedupe key.
CREATE TABLE events (
  seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid            text    NOT NULL UNIQUE,
  account         text COLLATE "C" NOT NULL,
  name            text COLLATE "C" NOT NULL,
  subscription_id text    NOT NULL DEFAULT '',
  event           text    NOT NULL DEFAULT '',
  body            bytea   NOT NULL,
  received_at     bigint  NOT NULL DEFAULT 0,
  kind            text    NOT NULL DEFAULT 'event',
  relay_state     text    NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint  NOT NULL DEFAULT 0,
  last_error      text    NOT NULL DEFAULT '',
  delivered_at    bigint  NOT NULL DEFAULT 0
);
CREATE INDEX events_route ON events (account, name, seq);
-- The relay heads: only what is still to be delivered.
CREATE INDEX events_pending ON events (account, name, seq) WHERE relay_state = 'pending';
-- Pruning and replay: ranges on received_at within a state.
CREATE INDEX events_state_received ON events (relay_state, received_at);

-- Small key/value table; CheckWritable rewrites one of its rows to prove a write commits.
CREATE TABLE meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

-- One row per account that has logged in or been refused. The tokens are secrets: whoever can
-- read this table can use them, so grant it like the SQLite file's mode 0600.
CREATE TABLE accounts (
  account                text COLLATE "C" PRIMARY KEY,
  credential_fingerprint text    NOT NULL DEFAULT '',
  access_token           text    NOT NULL DEFAULT '',
  access_expires_at      bigint  NOT NULL DEFAULT 0,
  refresh_token          text    NOT NULL DEFAULT '',
  refresh_expires_at     bigint  NOT NULL DEFAULT 0,
  state                  text    NOT NULL DEFAULT '',
  auth_failures          integer NOT NULL DEFAULT 0,
  next_login_at          bigint  NOT NULL DEFAULT 0,
  last_error             text    NOT NULL DEFAULT '',
  updated_at             bigint  NOT NULL DEFAULT 0
);

-- Rate-limit penalties in force: no request of group `grp` for `account` before `until`.
CREATE TABLE rate_blocks (
  account text COLLATE "C" NOT NULL,
  grp     text COLLATE "C" NOT NULL,
  until   bigint NOT NULL,
  PRIMARY KEY (account, grp)
);

-- The last transition of each condition of a subscription (Kubernetes style).
CREATE TABLE condition_transitions (
  account text COLLATE "C" NOT NULL,
  name    text COLLATE "C" NOT NULL,
  type    text COLLATE "C" NOT NULL,
  status  boolean NOT NULL,
  reason  text    NOT NULL,
  since   bigint  NOT NULL,
  PRIMARY KEY (account, name, type)
);

-- The webhook secrets of the keeper's TokenBook, newest first (position 0 = the one last in use).
CREATE TABLE webhook_secrets (
  position integer PRIMARY KEY,
  secret   text    NOT NULL
);
