-- APIs with their own audience, farms as organizations, vendor apps under control
-- (issue 12), SQLite flavour. Keep in step with migrations/postgres.

-- A seller company. Pending until an administrator approves it; members of a pending or
-- suspended farm have no powers for it, and its `farms` claim entry is left out.
CREATE TABLE farms (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,           -- pending | active | suspended
    -- Why it was suspended, as the administrator put it; NULL otherwise.
    status_reason  TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX farms_status ON farms (status, created_at);

-- Who works for a farm, with one farm role each. A farm keeps at least one owner: the
-- statements that remove or demote an owner check it in the same statement.
CREATE TABLE farm_members (
    farm_id    TEXT NOT NULL REFERENCES farms (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,               -- owner | manager | staff
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (farm_id, user_id)
);
CREATE INDEX farm_members_user_id ON farm_members (user_id);

-- An invitation mailed to an address: single use, expiring, bound to its farm and address.
CREATE TABLE farm_invitations (
    id                TEXT PRIMARY KEY,     -- shown to owners and managers, to withdraw it
    token_hash        TEXT NOT NULL UNIQUE, -- SHA-256 (hex) of the mailed token
    farm_id           TEXT NOT NULL REFERENCES farms (id) ON DELETE CASCADE,
    email_normalized  TEXT NOT NULL,
    role              TEXT NOT NULL,        -- owner | manager | staff
    invited_by        TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    accepted_at       INTEGER,
    accepted_by       TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX farm_invitations_farm_id ON farm_invitations (farm_id, created_at);
CREATE INDEX farm_invitations_expires_at ON farm_invitations (expires_at);

-- A resource server (RFC 8707): the audience its access tokens carry, and its own
-- confidential client, with which it introspects them (RFC 7662 §4). Deleting that client
-- deletes the API.
CREATE TABLE apis (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    audience    TEXT NOT NULL UNIQUE,
    client_id   TEXT NOT NULL UNIQUE REFERENCES clients (client_id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);

-- The scopes an API defines; a scope belongs to exactly one API.
CREATE TABLE api_scopes (
    scope        TEXT PRIMARY KEY,
    api_id       TEXT NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,             -- plain words, shown on consent pages
    -- 1: the API's owner opened it to vendor apps, which may then be registered for it.
    vendor_open  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_scopes_api_id ON api_scopes (api_id);

-- The farm a client belongs to (its tokens carry `farm_id`); NULL for the platform's own.
ALTER TABLE clients ADD COLUMN farm_id TEXT REFERENCES farms (id) ON DELETE CASCADE;
-- Set by an administrator: the client gets no tokens, and its tokens stop working.
ALTER TABLE clients ADD COLUMN suspended_at INTEGER;
-- OpenID Connect Back-Channel Logout 1.0 §2.2.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
-- The farm whose apps the token registers (they belong to it); NULL: an administrator's.
ALTER TABLE initial_access_tokens ADD COLUMN farm_id TEXT REFERENCES farms (id) ON DELETE CASCADE;
