-- The webhook secrets of the keeper's TokenBook, newest first (position 0 = the one last in
-- use). A secret rotated out stays while a stored subscription's token fingerprint still needs
-- it: after a restart in the middle of a rotation, notifications of the subscriptions created
-- before it keep verifying until they are recreated. The file is mode 0600 (like the tokens).
CREATE TABLE webhook_secrets (
  position INTEGER PRIMARY KEY,
  secret   TEXT    NOT NULL
);
