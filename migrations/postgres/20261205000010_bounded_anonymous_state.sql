-- Every anonymous write is bounded (issue 13), PostgreSQL flavour. Keep in step with
-- migrations/sqlite.

-- The client address (an IPv4 address or an IPv6 /64) of a browser session that has no
-- one signed in yet; NULL once someone is. Such sessions are short-lived and capped per
-- address: the oldest beyond the cap are evicted (docs/DECISIONS.md §80).
ALTER TABLE browser_sessions ADD COLUMN client_key TEXT;
CREATE INDEX browser_sessions_client_key ON browser_sessions (client_key, expires_at);

-- Refused attempts are aggregated: one row per (event, outcome, account or name typed,
-- address, detail) and window, whose count grows (§81). NULL key: an ordinary event.
ALTER TABLE audit_events ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_at BIGINT;
ALTER TABLE audit_events ADD COLUMN aggregate_key TEXT;
CREATE UNIQUE INDEX audit_events_aggregate_key ON audit_events (aggregate_key);

-- Device authorizations are capped per client address and per client while pending (§82).
ALTER TABLE device_authorizations ADD COLUMN client_address TEXT;
CREATE INDEX device_authorizations_client_address
    ON device_authorizations (client_address, expires_at);
CREATE INDEX device_authorizations_client_id ON device_authorizations (client_id, expires_at);
