-- Telling the platform what happened (issue 15, decisions 165-168), SQLite flavour. Keep in
-- step with migrations/postgres.
--
-- `events` is the outbox. The triggers below write one row in the same statement, hence the
-- same transaction, as the change it reports, whichever code path made it (a page, the
-- admin API, the command line, dynamic registration): a change that commits has its event,
-- one that rolls back has none. `seq` orders the events of one subject; SQLite runs one
-- writer at a time, so it is also the order in which they committed.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,       -- the `webhook-id`, the same on every attempt
    type        TEXT NOT NULL,              -- person.created, farm.approved, ...
    subject     TEXT NOT NULL,              -- the person, farm or app it is about
    data        TEXT NOT NULL,              -- JSON object: ids and what changed, no secret
    created_ms  INTEGER NOT NULL,           -- Unix milliseconds
    fanned_out  INTEGER NOT NULL DEFAULT 0  -- 1 once its deliveries are written
);
CREATE INDEX events_waiting ON events (seq) WHERE fanned_out = 0;
CREATE INDEX events_created ON events (created_ms);

-- Where an administrator sends events. `secret` (whsec_...) is sealed at rest.
CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    event_types  TEXT NOT NULL,             -- JSON array
    secret       TEXT NOT NULL,
    -- The last event before it was subscribed: it gets only those after.
    after_seq    INTEGER NOT NULL,
    disabled_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- One event for one receiver: a webhook endpoint, or a client's back-channel logout URI.
-- pending -> delivered | dead (gave up, or over the endpoint's cap) | dropped (the client
-- no longer takes logout tokens). Deleting the endpoint or the client drops its rows.
CREATE TABLE event_deliveries (
    id               TEXT PRIMARY KEY,
    event_seq        INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    endpoint_id      TEXT REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    client_id        TEXT REFERENCES clients (client_id) ON DELETE CASCADE,
    subject          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX event_deliveries_order ON event_deliveries (endpoint_id, subject, event_seq)
    WHERE state = 'pending';
CREATE INDEX event_deliveries_history ON event_deliveries (endpoint_id, event_seq);
CREATE INDEX event_deliveries_client ON event_deliveries (client_id);
CREATE INDEX event_deliveries_finished ON event_deliveries (finished_at);
-- One delivery per event and receiver: the fan-out writes them one statement at a time,
-- and one that is repeated (a replica racing, a crash before the event was marked) adds
-- nothing.
CREATE UNIQUE INDEX event_deliveries_once
    ON event_deliveries (event_seq, COALESCE(endpoint_id, client_id));

-- Which clients a login session gave tokens to, found when it ends.
CREATE INDEX grants_sid ON grants (sid);

-- OpenID Connect Back-Channel Logout 1.0 §2.2.
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0;

-- People.
CREATE TRIGGER events_person_created AFTER INSERT ON users BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.created', NEW.id,
        json_object('person_id', NEW.id, 'username', NEW.username, 'email', NEW.email,
                    'email_verified', json(CASE WHEN NEW.email_verified <> 0 THEN 'true' ELSE 'false' END),
                    'roles', json(NEW.roles)),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_person_confirmed AFTER UPDATE OF email_verified ON users
WHEN OLD.email_verified = 0 AND NEW.email_verified <> 0 BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.confirmed', NEW.id,
        json_object('person_id', NEW.id, 'email', NEW.email),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_person_locked AFTER UPDATE OF locked_at ON users
WHEN OLD.locked_at IS NULL AND NEW.locked_at IS NOT NULL BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.locked', NEW.id,
        json_object('person_id', NEW.id, 'reason', NEW.locked_reason),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_person_unlocked AFTER UPDATE OF locked_at ON users
WHEN OLD.locked_at IS NOT NULL AND NEW.locked_at IS NULL BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.unlocked', NEW.id,
        json_object('person_id', NEW.id),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_person_roles AFTER UPDATE OF roles ON users
WHEN OLD.roles IS NOT NEW.roles BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.roles_changed', NEW.id,
        json_object('person_id', NEW.id, 'old_roles', json(OLD.roles), 'roles', json(NEW.roles)),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

-- A person deleted ends their live sessions first, so that the apps those sessions signed
-- in to are told (their grants are still there to be found).
CREATE TRIGGER events_person_deleting BEFORE DELETE ON users BEGIN
    UPDATE login_sessions SET ended_at = CAST(strftime('%s', 'now') AS INTEGER)
    WHERE user_id = OLD.id AND ended_at IS NULL;
END;

CREATE TRIGGER events_person_deleted AFTER DELETE ON users BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.deleted', OLD.id,
        json_object('person_id', OLD.id, 'username', OLD.username),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

-- Sessions. `apps`: every client the session gave tokens to.
CREATE TRIGGER events_session_ended AFTER UPDATE OF ended_at ON login_sessions
WHEN OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'session.ended', NEW.user_id,
        json_object('person_id', NEW.user_id, 'session_id', NEW.sid,
                    'apps', json((SELECT json_group_array(client_id) FROM
                             (SELECT DISTINCT client_id FROM grants WHERE sid = NEW.sid)))),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

-- Farms.
CREATE TRIGGER events_farm_created AFTER INSERT ON farms BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'farm.created', NEW.id,
        json_object('farm_id', NEW.id, 'name', NEW.name, 'status', NEW.status),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_farm_status AFTER UPDATE OF status ON farms
WHEN OLD.status <> NEW.status
     AND (NEW.status = 'suspended' OR (NEW.status = 'active' AND OLD.status IN ('pending', 'suspended')))
BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))),
        CASE WHEN NEW.status = 'suspended' THEN 'farm.suspended'
             WHEN OLD.status = 'pending' THEN 'farm.approved'
             ELSE 'farm.reinstated' END,
        NEW.id,
        json_object('farm_id', NEW.id, 'old_status', OLD.status, 'status', NEW.status,
                    'reason', NEW.status_reason),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_farm_deleted AFTER DELETE ON farms BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'farm.deleted', OLD.id,
        json_object('farm_id', OLD.id, 'name', OLD.name),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_member_added AFTER INSERT ON farm_members BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'farm.member_added', NEW.farm_id,
        json_object('farm_id', NEW.farm_id, 'person_id', NEW.user_id, 'role', NEW.role),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_member_removed AFTER DELETE ON farm_members BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'farm.member_removed', OLD.farm_id,
        json_object('farm_id', OLD.farm_id, 'person_id', OLD.user_id, 'role', OLD.role),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_member_role AFTER UPDATE OF role ON farm_members
WHEN OLD.role <> NEW.role BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'farm.member_role_changed', NEW.farm_id,
        json_object('farm_id', NEW.farm_id, 'person_id', NEW.user_id, 'old_role', OLD.role,
                    'role', NEW.role),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

-- Apps (OAuth clients).
CREATE TRIGGER events_app_registered AFTER INSERT ON clients BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'app.registered', NEW.client_id,
        json_object('client_id', NEW.client_id, 'name', NEW.name, 'farm_id', NEW.farm_id,
                    'vendor', NEW.vendor),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_app_suspended AFTER UPDATE OF suspended_at ON clients
WHEN OLD.suspended_at IS NULL AND NEW.suspended_at IS NOT NULL BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'app.suspended', NEW.client_id,
        json_object('client_id', NEW.client_id, 'farm_id', NEW.farm_id),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_app_reinstated AFTER UPDATE OF suspended_at ON clients
WHEN OLD.suspended_at IS NOT NULL AND NEW.suspended_at IS NULL BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'app.reinstated', NEW.client_id,
        json_object('client_id', NEW.client_id, 'farm_id', NEW.farm_id),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

CREATE TRIGGER events_app_deleted AFTER DELETE ON clients BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'app.deleted', OLD.client_id,
        json_object('client_id', OLD.client_id, 'name', OLD.name, 'farm_id', OLD.farm_id),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;
