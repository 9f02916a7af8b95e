-- Device authorization (RFC 8628), SQLite flavour. Keep in step with migrations/postgres.

-- One device authorization request: a TV or chatbot holds the device code and polls the
-- token endpoint; a person types the user code at /device and allows or denies it. Rows
-- are swept a while after they expire.
CREATE TABLE device_authorizations (
    device_code_hash  TEXT PRIMARY KEY,      -- SHA-256 (hex) of the device code
    -- Normalised (8 letters of BCDFGHJKLMNPQRSTVWXZ, no separator): what the person typed
    -- is normalised the same way and looked up here.
    user_code         TEXT NOT NULL UNIQUE,
    client_id         TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    scope             TEXT NOT NULL,         -- space-separated, already checked
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    -- Seconds the client must wait between polls; raised by 5 at each slow_down (§3.5).
    interval_secs     INTEGER NOT NULL,
    last_polled_at    INTEGER,
    -- When the client was last told to slow down: the poll that set it reads it back.
    slowed_at         INTEGER,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'denied')),
    -- The person who decided; NULL while pending.
    user_id           TEXT REFERENCES users (id) ON DELETE CASCADE,
    decided_at        INTEGER
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
