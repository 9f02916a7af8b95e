-- farm-auth schema, PostgreSQL flavour. Times are integer Unix seconds; ids are text.
-- Keep in step with migrations/sqlite (same versions, same meaning).

CREATE TABLE clients (
    client_id                   TEXT PRIMARY KEY,
    name                        TEXT NOT NULL,
    -- SHA-256 (hex) of the server-generated secret; NULL for public clients.
    secret_hash                 TEXT,
    token_endpoint_auth_method  TEXT NOT NULL,
    redirect_uris               TEXT NOT NULL,   -- JSON array
    post_logout_redirect_uris   TEXT NOT NULL,   -- JSON array
    grant_types                 TEXT NOT NULL,   -- JSON array
    scope                       TEXT NOT NULL,   -- space-separated
    created_at                  BIGINT NOT NULL,
    updated_at                  BIGINT NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,      -- the stable `sub`, never reassigned
    username             TEXT NOT NULL,
    username_normalized  TEXT NOT NULL UNIQUE,  -- lowercase, for case-insensitive uniqueness
    email                TEXT NOT NULL,
    email_normalized     TEXT NOT NULL UNIQUE,
    email_verified       BIGINT NOT NULL DEFAULT 0,
    password_hash        TEXT,                  -- Argon2id PHC string
    roles                TEXT NOT NULL,         -- JSON array
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,      -- RFC 7638 thumbprint of the public key
    private_key  BYTEA NOT NULL,         -- PKCS#8 DER
    -- 1 for the one key that signs; NULL once retired. UNIQUE allows many NULLs, so at
    -- most one key is active even when replicas start or rotate at the same moment.
    active       BIGINT UNIQUE,
    created_at   BIGINT NOT NULL,
    -- When it stopped signing. Each server publishes it while its own tokens signed
    -- before then may still be valid (its access token TTL + key refresh + skew).
    retired_at   BIGINT
);

CREATE TABLE revoked_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  BIGINT NOT NULL,         -- kept until the token would have expired anyway
    -- Stamped by the database's clock, so replicas that read what is new since their last
    -- look agree on time whatever their own clocks say.
    revoked_at  BIGINT NOT NULL DEFAULT (EXTRACT(EPOCH FROM now())::BIGINT)
);
CREATE INDEX revoked_tokens_revoked_at ON revoked_tokens (revoked_at);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
