-- The requests every keeper on the database sent per account and rate-limit group in the
-- current window (platform::AccountStateStore::SpendRequest): a request is written here before it
-- is sent, so a keeper that takes an account over knows what its previous holder spent and the
-- platform's per-minute budget holds across keepers. `sent` is a JSON array of Unix milliseconds,
-- oldest first, pruned to the window on every spend (at most the group's limit entries).
CREATE TABLE rate_spends (
  account text COLLATE "C" NOT NULL,
  grp     text COLLATE "C" NOT NULL,
  sent    text NOT NULL DEFAULT '[]',
  PRIMARY KEY (account, grp)
);
