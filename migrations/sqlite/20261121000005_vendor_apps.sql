-- Administration and vendor apps (issue 5), SQLite flavour. Keep in step with
-- migrations/postgres.

-- The company a farmer sells for: the apps they register are shown with its name.
ALTER TABLE users ADD COLUMN company TEXT;
-- Set by an administrator: the password no longer signs in until a reset replaces it.
ALTER TABLE users ADD COLUMN password_reset_required INTEGER NOT NULL DEFAULT 0;

-- The administrator behind an event of the trail (NULL: the person themselves, a client,
-- or the command line, which the detail names).
ALTER TABLE audit_events ADD COLUMN actor_id TEXT;
CREATE INDEX audit_events_event ON audit_events (event, at);

-- Clients registered by vendors (RFC 7591): the vendor named on consent pages, and the
-- SHA-256 of the registration access token that manages the client (RFC 7592). Both NULL
-- for the platform's own clients.
ALTER TABLE clients ADD COLUMN vendor TEXT;
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT;

-- What a vendor presents to register a client (RFC 7591 §3): issued by an administrator,
-- or by a farmer for their company, stored as SHA-256, good for a number of uses.
CREATE TABLE initial_access_tokens (
    token_hash  TEXT PRIMARY KEY,
    -- NULL: issued from the command line.
    issued_by   TEXT REFERENCES users (id) ON DELETE CASCADE,
    -- The vendor the registered clients are shown with; NULL: the registration names it.
    vendor      TEXT,
    uses_left   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX initial_access_tokens_expires_at ON initial_access_tokens (expires_at);
