-- Indexes for a million users and ten million audit events (issue 13), PostgreSQL flavour.
-- Keep in step with migrations/sqlite (same versions, same meaning).

-- User search is a prefix search, by range (`>= prefix AND < successor`) on
-- username_normalized and email_normalized. Those columns compare in code-point order
-- ("C"), as SQLite's BINARY does, whatever the database's collation: then a prefix is one
-- contiguous range of their UNIQUE indexes, and both engines list people in the same order.
ALTER TABLE users ALTER COLUMN username_normalized TYPE TEXT COLLATE "C";
ALTER TABLE users ALTER COLUMN email_normalized TYPE TEXT COLLATE "C";

-- The e-mail phase of a search skips people whose username matched already: this index
-- answers that from the index alone.
CREATE INDEX users_email_username ON users (email_normalized, username_normalized);

-- The trail is listed newest first (ORDER BY id DESC) under each filter: one index per
-- filter, ending in id, so a page is a backward range scan that stops after `limit` rows.
DROP INDEX audit_events_user_id;
DROP INDEX audit_events_event;
DROP INDEX audit_events_at;
-- A family of events (`login`) is the range ['login.', 'login/'): in code-point order, as
-- in SQLite, not in a language's, where '.' may be ignored.
ALTER TABLE audit_events ALTER COLUMN event TYPE TEXT COLLATE "C";
CREATE INDEX audit_events_user_id ON audit_events (user_id, id);
CREATE INDEX audit_events_client_id ON audit_events (client_id, id);
CREATE INDEX audit_events_event ON audit_events (event, id);
CREATE INDEX audit_events_at ON audit_events (at, id);

-- Client lists are paged by (created_at, client_id).
CREATE INDEX clients_created_at ON clients (created_at, client_id);

-- Each sweep finds its next batch through an index on what it sweeps by.
CREATE INDEX login_sessions_expires_at ON login_sessions (expires_at);
CREATE INDEX login_sessions_ended_at ON login_sessions (ended_at);
CREATE INDEX refresh_tokens_idle_expires_at ON refresh_tokens (idle_expires_at);
CREATE INDEX mail_outbox_sent_at ON mail_outbox (sent_at);
CREATE INDEX mail_outbox_failed_at ON mail_outbox (failed_at);
CREATE INDEX farm_invitations_accepted_at ON farm_invitations (accepted_at);
CREATE INDEX rate_windows_window_start ON rate_windows (window_start);
