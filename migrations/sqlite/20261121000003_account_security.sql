-- Account security (issue 4), SQLite flavour. Keep in step with migrations/postgres.

-- What the sessions page shows of each sign-in.
ALTER TABLE login_sessions ADD COLUMN ip TEXT;
ALTER TABLE login_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE login_sessions ADD COLUMN last_seen_at INTEGER;

-- RFC 6238 authenticator apps. The secret must be readable to compute codes, so it is kept
-- as is (like the signing keys); a row without confirmed_at is an enrolment waiting for its
-- first code, and a second factor only once confirmed.
CREATE TABLE totp_factors (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,            -- base32 (RFC 4648), 160 bits
    confirmed_at  INTEGER,
    -- The last 30-second time step whose code was accepted: a code is accepted once, and
    -- no older one after it (RFC 6238 §5.2).
    last_step     INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Single-use recovery codes, shown once, stored as SHA-256 of (user id, code).
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- WebAuthn credentials (passkeys).
CREATE TABLE passkeys (
    credential_id  TEXT PRIMARY KEY,        -- base64url of the credential id
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    credential     TEXT NOT NULL,           -- JSON: public key, counter, flags (webauthn-rs)
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);

-- Links sent by mail (password reset, address verification): stored as SHA-256 hashes,
-- single-use, short-lived.
CREATE TABLE email_tokens (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,              -- password_reset | verify_email
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,              -- the address the link went to
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX email_tokens_user_id ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON email_tokens (expires_at);

-- Brute-force defence: failures per key (a username, a client IP, a user's second factor)
-- and the back-off they earned. In the database so that every replica enforces it.
CREATE TABLE throttles (
    key              TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL,
    locked_until     INTEGER NOT NULL
);
CREATE INDEX throttles_last_failure_at ON throttles (last_failure_at);

-- Request counts per key and fixed window (the token endpoint's per-client limit), summed
-- over replicas.
CREATE TABLE rate_windows (
    key           TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Mail waiting to be sent, so that a mail server that is down loses nothing: sent by a
-- background worker, retried with back-off. Bodies are blanked once sent or given up,
-- since they may carry a link.
CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    sent_at          INTEGER,
    failed_at        INTEGER,
    -- Not worth sending after this (the link it carries has expired); NULL: no end.
    give_up_at       INTEGER
);
CREATE INDEX mail_outbox_next_attempt_at ON mail_outbox (next_attempt_at);

-- Browsers that completed a sign-in for an account: the account-wide lock does not apply
-- to them, so an attacker who fails on purpose cannot keep the person out. The cookie holds
-- the token; only its SHA-256 is stored.
CREATE TABLE known_devices (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL
);
CREATE INDEX known_devices_user_id ON known_devices (user_id);
CREATE INDEX known_devices_last_used_at ON known_devices (last_used_at);

-- Revoking a person's grants and listing their apps look grants up by person.
CREATE INDEX grants_user_id ON grants (user_id, client_id);

-- Security events: who, from where, what, and how it went. No foreign key: the trail
-- outlives the account.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    event      TEXT NOT NULL,
    outcome    TEXT NOT NULL,               -- success | failure | locked
    user_id    TEXT,
    username   TEXT,
    ip         TEXT,
    client_id  TEXT,
    detail     TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_user_id ON audit_events (user_id, at);
