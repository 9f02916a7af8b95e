-- APIs with their own audience, farms as organizations, vendor apps under control
-- (issue 12), PostgreSQL flavour. Keep in step with migrations/sqlite.

-- A seller company. Pending until an administrator approves it; members of a pending or
-- suspended farm have no powers for it, and its `farms` claim entry is left out.
CREATE TABLE farms (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,           -- pending | active | suspended
    -- Why it was suspended, as the administrator put it; NULL otherwise.
    status_reason  TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX farms_status ON farms (status, created_at);

-- Who works for a farm, with one farm role each. A farm keeps at least one owner: the
-- statements that remove or demote an owner check it in the same statement.
CREATE TABLE farm_members (
    farm_id    TEXT NOT NULL REFERENCES farms (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,               -- owner | manager | staff
    joined_at  BIGINT NOT NULL,
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
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    accepted_at       BIGINT,
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
    created_at  BIGINT NOT NULL
);

-- The scopes an API defines; a scope belongs to exactly one API.
CREATE TABLE api_scopes (
    scope        TEXT PRIMARY KEY,
    api_id       TEXT NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,             -- plain words, shown on consent pages
    -- 1: the API's owner opened it to vendor apps, which may then be registered for it.
    vendor_open  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_scopes_api_id ON api_scopes (api_id);

-- The farm a client belongs to (its tokens carry `farm_id`); NULL for the platform's own.
ALTER TABLE clients ADD COLUMN farm_id TEXT REFERENCES farms (id) ON DELETE CASCADE;
-- Set by an administrator: the client gets no tokens, and its tokens stop working.
ALTER TABLE clients ADD COLUMN suspended_at BIGINT;
-- OpenID Connect Back-Channel Logout 1.0 §2.2.
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
-- The farm whose apps the token registers (they belong to it); NULL: an administrator's.
ALTER TABLE initial_access_tokens ADD COLUMN farm_id TEXT REFERENCES farms (id) ON DELETE CASCADE;

-- The free-text `users.company` (migration 5) becomes a farm (issue 12): each person with a
-- company owns an *active* farm of that name, whose id is their user id (the same format as
-- a farm's, and no other farm exists yet), joined when the user row last changed. The farm
-- name is cleaned to what `domain::FarmName` reads back: control characters become spaces,
-- direction controls are removed, white space is trimmed (Rust's `char::is_whitespace`
-- set, listed in `white_space` below), at most 100 characters; a name that nothing is left
-- of is the username. A NULL or blank company makes no farm. Platform roles are unchanged
-- (DECISIONS §59). Statements as in migrations/sqlite, but for `chr`.
-- white_space: U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
-- U+2029, U+202F, U+205F, U+3000.
-- PostgreSQL text cannot hold a NUL; the SQLite flavour cuts a company at one here.
INSERT INTO farms (id, name, status, status_reason, created_at, updated_at)
    SELECT id, company, 'active', NULL, updated_at, updated_at FROM users
    WHERE trim(company, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(32) || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288)) <> '';
-- The farms table was created above, so it holds only these farms yet.
-- C0 controls, DEL and C1 controls (U+0001-001F, U+007F-009F) become spaces.
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(1), ' '), chr(2), ' '), chr(3), ' '), chr(4), ' '), chr(5), ' '), chr(6), ' '), chr(7), ' '), chr(8), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(9), ' '), chr(10), ' '), chr(11), ' '), chr(12), ' '), chr(13), ' '), chr(14), ' '), chr(15), ' '), chr(16), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(17), ' '), chr(18), ' '), chr(19), ' '), chr(20), ' '), chr(21), ' '), chr(22), ' '), chr(23), ' '), chr(24), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(25), ' '), chr(26), ' '), chr(27), ' '), chr(28), ' '), chr(29), ' '), chr(30), ' '), chr(31), ' '), chr(127), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(128), ' '), chr(129), ' '), chr(130), ' '), chr(131), ' '), chr(132), ' '), chr(133), ' '), chr(134), ' '), chr(135), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(136), ' '), chr(137), ' '), chr(138), ' '), chr(139), ' '), chr(140), ' '), chr(141), ' '), chr(142), ' '), chr(143), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(144), ' '), chr(145), ' '), chr(146), ' '), chr(147), ' '), chr(148), ' '), chr(149), ' '), chr(150), ' '), chr(151), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(152), ' '), chr(153), ' '), chr(154), ' '), chr(155), ' '), chr(156), ' '), chr(157), ' '), chr(158), ' '), chr(159), ' ');
-- Direction controls (U+202A-202E, U+2066-2069, U+200E, U+200F) are removed: they
-- would let a name pass for another.
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, chr(8234), ''), chr(8235), ''), chr(8236), ''), chr(8237), ''), chr(8238), ''), chr(8294), ''), chr(8295), ''), chr(8296), '');
UPDATE farms SET name = replace(replace(replace(name, chr(8297), ''), chr(8206), ''), chr(8207), '');
UPDATE farms SET name = trim(substr(trim(name, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(32) || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288)), 1, 100), chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(32) || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288));
UPDATE farms SET name = (SELECT username FROM users WHERE users.id = farms.id)
    WHERE name = '';
INSERT INTO farm_members (farm_id, user_id, role, joined_at)
    SELECT farms.id, users.id, 'owner', users.updated_at
    FROM farms JOIN users ON users.id = farms.id;
ALTER TABLE users DROP COLUMN company;
