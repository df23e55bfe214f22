-- subkeeper schema, version 1. Applied by the store's migration runner in one transaction that
-- also sets PRAGMA user_version; this file must not set it itself.
-- Times are INTEGER Unix milliseconds, 0 = unset. String lists are JSON arrays of strings.

-- One row per configured subscription, keyed by (account, name). See store/records.h.
CREATE TABLE subscriptions (
  account              TEXT    NOT NULL,
  name                 TEXT    NOT NULL,
  event_filters        TEXT    NOT NULL DEFAULT '[]',
  expires_in_s         INTEGER NOT NULL DEFAULT 0,
  reminder_filter      TEXT    NOT NULL DEFAULT '',
  address              TEXT    NOT NULL DEFAULT '',
  deliver_to           TEXT    NOT NULL DEFAULT '',
  remote_id            TEXT    NOT NULL DEFAULT '',
  status               TEXT    NOT NULL DEFAULT '',
  remote_filters       TEXT    NOT NULL DEFAULT '[]',
  disabled_filters     TEXT    NOT NULL DEFAULT '[]',
  blacklisted_reason   TEXT    NOT NULL DEFAULT '',
  granted_ttl_s        INTEGER NOT NULL DEFAULT 0,
  remote_created_at    INTEGER NOT NULL DEFAULT 0,
  expires_at           INTEGER NOT NULL DEFAULT 0,
  next_renewal_at      INTEGER NOT NULL DEFAULT 0,
  last_renewed_at      INTEGER NOT NULL DEFAULT 0,
  last_trigger         TEXT    NOT NULL DEFAULT '',
  last_reminder_at     INTEGER NOT NULL DEFAULT 0,
  reminder_path_broken INTEGER NOT NULL DEFAULT 0,
  failures             INTEGER NOT NULL DEFAULT 0,
  last_error           TEXT    NOT NULL DEFAULT '',
  last_error_at        INTEGER NOT NULL DEFAULT 0,
  token_fingerprint    TEXT    NOT NULL DEFAULT '',
  -- Written only by the lease operations, never by an upsert of the record.
  lease_owner          TEXT    NOT NULL DEFAULT '',
  lease_until          INTEGER NOT NULL DEFAULT 0,
  updated_at           INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, name)
);
CREATE INDEX subscriptions_remote_id ON subscriptions (remote_id);
CREATE INDEX subscriptions_next_renewal_at ON subscriptions (next_renewal_at);

-- Append-only lifecycle history. Rows outlive the subscription they describe.
CREATE TABLE history (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  account   TEXT    NOT NULL,
  name      TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  remote_id TEXT    NOT NULL DEFAULT '',
  trigger   TEXT    NOT NULL DEFAULT '',
  detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX history_route ON history (account, name, id);

-- Notifications committed before they are acknowledged; uuid is the dedupe key.
CREATE TABLE events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid            TEXT    NOT NULL UNIQUE,
  account         TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  subscription_id TEXT    NOT NULL DEFAULT '',
  event           TEXT    NOT NULL DEFAULT '',
  body            BLOB    NOT NULL,
  received_at     INTEGER NOT NULL DEFAULT 0,
  kind            TEXT    NOT NULL DEFAULT 'event',
  relay_state     TEXT    NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_relay_due ON events (relay_state, next_attempt_at);
CREATE INDEX events_route ON events (account, name, seq);

-- Small key/value table; CheckWritable rewrites one of its rows to prove a write commits.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
