-- Browser sign-in (issue 3), SQLite flavour. Keep in step with migrations/postgres.

-- tower-sessions records: the browser's session (CSRF token, who is signed in, pending
-- authorization requests). The id is the cookie value; only the server reads `data`.
CREATE TABLE browser_sessions (
    id          TEXT PRIMARY KEY,
    data        BLOB NOT NULL,          -- JSON
    expires_at  INTEGER NOT NULL
);
CREATE INDEX browser_sessions_expires_at ON browser_sessions (expires_at);

-- A person's sign-in at the provider: the `sid` of ID tokens and logout, listed on the
-- account page. Ended by logout; the browser session points at it.
CREATE TABLE login_sessions (
    sid         TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time   INTEGER NOT NULL,       -- when the person last proved who they are
    amr         TEXT NOT NULL,          -- JSON array (RFC 8176 values)
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,       -- absolute end, whatever the activity
    ended_at    INTEGER
);
CREATE INDEX login_sessions_user_id ON login_sessions (user_id);

-- A person's consent to a client, remembered per user and client: the scopes allowed so far.
CREATE TABLE consents (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    scope       TEXT NOT NULL,          -- space-separated
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- One authorization: what a person allowed a client, born with its authorization code.
-- Refresh tokens hang off it; revoking it revokes the lot (code reuse, refresh token reuse,
-- RFC 7009 revocation of a refresh token).
CREATE TABLE grants (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope            TEXT NOT NULL,
    claims           TEXT,              -- the OIDC `claims` request parameter (JSON), if any
    sid              TEXT NOT NULL,
    auth_time        INTEGER NOT NULL,
    amr              TEXT NOT NULL,     -- JSON array
    nonce            TEXT,
    redirect_uri     TEXT NOT NULL,
    code_challenge   TEXT,              -- PKCE S256
    code_hash        TEXT NOT NULL UNIQUE,  -- SHA-256 of the authorization code
    code_expires_at  INTEGER NOT NULL,
    code_used_at     INTEGER,
    -- The access token issued for the code, so that a replayed code can revoke it.
    access_jti       TEXT,
    access_exp       INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,  -- absolute end of its refresh tokens
    revoked_at       INTEGER
);
CREATE INDEX grants_expires_at ON grants (expires_at);

-- Refresh tokens, stored as hashes, rotated on every use: a used one presented again
-- revokes its grant.
CREATE TABLE refresh_tokens (
    token_hash       TEXT PRIMARY KEY,
    grant_id         TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    scope            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    idle_expires_at  INTEGER NOT NULL,
    used_at          INTEGER,
    access_jti       TEXT NOT NULL,     -- the access token issued beside it
    access_exp       INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
