-- subkeeper schema, version 2: the events table becomes the relay's durable outbox to the app.
-- Applied in one transaction with PRAGMA user_version, like every migration.

-- Bookkeeping of delivery attempts, written with the row (no extra statement on ingest).
ALTER TABLE events ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN delivered_at INTEGER NOT NULL DEFAULT 0;

-- The relay heads and a subscription's pending events. Partial: delivered, dead and "none" rows
-- (nearly all of a healthy database) cost it nothing, so finding the next event to deliver only
-- walks what is still to be delivered. A query uses it only when its WHERE says
-- relay_state = 'pending' literally.
CREATE INDEX events_pending ON events (account, name, seq) WHERE relay_state = 'pending';

-- Pruning ("delivered"/"none"/"dead" received before a cut-off) and replay ("dead" since T) are
-- ranges on received_at within a state; account and name make CountRelay a covering scan that
-- never reads the event bodies.
CREATE INDEX events_state_received ON events (relay_state, received_at, account, name);

-- Nothing queries by next_attempt_at: the relay only considers heads. Dropped so that ingest
-- still maintains the same number of full indexes as before.
DROP INDEX events_relay_due;
