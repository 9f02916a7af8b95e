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

-- The free-text `users.company` (migration 5) becomes a farm (issue 12): each person with a
-- company owns an *active* farm of that name, whose id is their user id (the same format as
-- a farm's, and no other farm exists yet), joined when the user row last changed. The farm
-- name is cleaned to what `domain::FarmName` reads back: control characters become spaces,
-- direction controls are removed, white space is trimmed (Rust's `char::is_whitespace`
-- set, listed in `white_space` below), at most 100 characters; a name that nothing is left
-- of is the username. A NULL or blank company makes no farm. Platform roles are unchanged
-- (DECISIONS §59). Statements as in migrations/postgres, but for `char`.
-- white_space: U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
-- U+2029, U+202F, U+205F, U+3000.
-- SQLite's string functions stop at a NUL, so the text after one was never readable as
-- text: the company is cut there. (PostgreSQL text cannot hold a NUL.)
UPDATE users SET company = substr(company, 1, instr(company, char(0)) - 1)
    WHERE instr(company, char(0)) > 0;
INSERT INTO farms (id, name, status, status_reason, created_at, updated_at)
    SELECT id, company, 'active', NULL, updated_at, updated_at FROM users
    WHERE trim(company, char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)) <> '';
-- The farms table was created above, so it holds only these farms yet.
-- C0 controls, DEL and C1 controls (U+0001-001F, U+007F-009F) become spaces.
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(1), ' '), char(2), ' '), char(3), ' '), char(4), ' '), char(5), ' '), char(6), ' '), char(7), ' '), char(8), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(9), ' '), char(10), ' '), char(11), ' '), char(12), ' '), char(13), ' '), char(14), ' '), char(15), ' '), char(16), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(17), ' '), char(18), ' '), char(19), ' '), char(20), ' '), char(21), ' '), char(22), ' '), char(23), ' '), char(24), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(25), ' '), char(26), ' '), char(27), ' '), char(28), ' '), char(29), ' '), char(30), ' '), char(31), ' '), char(127), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(128), ' '), char(129), ' '), char(130), ' '), char(131), ' '), char(132), ' '), char(133), ' '), char(134), ' '), char(135), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(136), ' '), char(137), ' '), char(138), ' '), char(139), ' '), char(140), ' '), char(141), ' '), char(142), ' '), char(143), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(144), ' '), char(145), ' '), char(146), ' '), char(147), ' '), char(148), ' '), char(149), ' '), char(150), ' '), char(151), ' ');
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(152), ' '), char(153), ' '), char(154), ' '), char(155), ' '), char(156), ' '), char(157), ' '), char(158), ' '), char(159), ' ');
-- Direction controls (U+202A-202E, U+2066-2069, U+200E, U+200F) are removed: they
-- would let a name pass for another.
UPDATE farms SET name = replace(replace(replace(replace(replace(replace(replace(replace(name, char(8234), ''), char(8235), ''), char(8236), ''), char(8237), ''), char(8238), ''), char(8294), ''), char(8295), ''), char(8296), '');
UPDATE farms SET name = replace(replace(replace(name, char(8297), ''), char(8206), ''), char(8207), '');
UPDATE farms SET name = trim(substr(trim(name, char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)), 1, 100), char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288));
UPDATE farms SET name = (SELECT username FROM users WHERE users.id = farms.id)
    WHERE name = '';
INSERT INTO farm_members (farm_id, user_id, role, joined_at)
    SELECT farms.id, users.id, 'owner', users.updated_at
    FROM farms JOIN users ON users.id = farms.id;
ALTER TABLE users DROP COLUMN company;
