// The Express + better-sqlite3 durable-ingest peer: what a user writes with a framework and an
// embedded database. Same table as the keeper's events table, WAL, the same synchronous level,
// one INSERT (its own transaction) per request, 200 only after it returns (i.e. after COMMIT).
// Env: PORT, DB, SYNC (FULL|NORMAL), TOKEN (expected Verification-Token).
const express = require('express');
const Database = require('better-sqlite3');

const PORT = Number(process.env.PORT || 5001);
const db = new Database(process.env.DB || 'express.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + (process.env.SYNC || 'FULL'));
db.exec(`CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
  name TEXT NOT NULL, subscription_id TEXT NOT NULL DEFAULT '', event TEXT NOT NULL DEFAULT '',
  body BLOB NOT NULL, received_at INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'event',
  relay_state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS events_relay_due ON events (relay_state, next_attempt_at);
CREATE INDEX IF NOT EXISTS events_route ON events (account, name, seq);`);
const insert = db.prepare(`INSERT OR IGNORE INTO events
  (uuid, account, name, subscription_id, event, body, received_at, relay_state)
  VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`);
const token = process.env.TOKEN || '';

const app = express();
app.use(express.json({ limit: '256kb' }));
app.post('/webhooks/:account/:name', (req, res) => {
  const v = req.get('Validation-Token');
  if (v) {
    res.set('Validation-Token', v);
    return res.status(200).type('application/json').end();
  }
  if (req.get('Verification-Token') !== token) {
    return res.status(403).json({ error: 'bad verification token' });
  }
  const n = req.body;
  if (!n || typeof n.uuid !== 'string' || typeof n.event !== 'string') {
    return res.status(400).json({ error: 'not a notification' });
  }
  insert.run(n.uuid, req.params.account, req.params.name, n.subscriptionId || '', n.event,
    JSON.stringify(n), Date.now());
  res.status(200).end();
});

app.listen(PORT, '127.0.0.1', () => {
  console.log('listening on ' + PORT + ' sqlite ' + db.prepare('select sqlite_version() v').get().v);
});
