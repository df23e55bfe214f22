-- The last transition of each condition of a subscription (Kubernetes style). The conditions
-- themselves are derived from the subscription and its account; only when each one last
-- changed status or reason is kept, so that lastTransitionTime survives restarts.
CREATE TABLE condition_transitions (
  account TEXT    NOT NULL,
  name    TEXT    NOT NULL,
  type    TEXT    NOT NULL,
  status  INTEGER NOT NULL,
  reason  TEXT    NOT NULL,
  since   INTEGER NOT NULL,  -- Unix ms
  PRIMARY KEY (account, name, type)
) WITHOUT ROWID;
