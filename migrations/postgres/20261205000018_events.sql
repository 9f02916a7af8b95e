-- Telling the platform what happened (issue 15, decisions 165-168), PostgreSQL flavour. Keep
-- in step with migrations/sqlite.
--
-- `events` is the outbox. The triggers below write one row in the same transaction as the
-- change it reports, whichever code path made it. Unlike SQLite, several transactions write
-- at once here, and a sequence hands out numbers in the order they ask, not the order they
-- commit; so `farm_auth_event` first takes a transaction-scoped advisory lock on the
-- subject: two transactions with events about one subject commit one after the other, in
-- the order of their `seq`, and the dispatcher never sees a later event of a subject before
-- an earlier one.
CREATE TABLE events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    fanned_out  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_waiting ON events (seq) WHERE fanned_out = 0;
CREATE INDEX events_created ON events (created_ms);

CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    event_types  TEXT NOT NULL,
    secret       TEXT NOT NULL,
    -- The last event before it was subscribed: it gets only those after.
    after_seq    BIGINT NOT NULL,
    disabled_at  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE event_deliveries (
    id               TEXT PRIMARY KEY,
    event_seq        BIGINT NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    endpoint_id      TEXT REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    client_id        TEXT REFERENCES clients (client_id) ON DELETE CASCADE,
    subject          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT
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

CREATE INDEX grants_sid ON grants (sid);

ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION farm_auth_event(event_type TEXT, event_subject TEXT, event_data JSONB)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1718579556, hashtext(event_subject));
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || replace(gen_random_uuid()::text, '-', ''), event_type, event_subject,
        event_data::text, (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT);
END $$;

CREATE FUNCTION farm_auth_users_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM farm_auth_event('person.created', NEW.id, jsonb_build_object(
            'person_id', NEW.id, 'username', NEW.username, 'email', NEW.email,
            'email_verified', NEW.email_verified <> 0, 'roles', NEW.roles::jsonb));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM farm_auth_event('person.deleted', OLD.id, jsonb_build_object(
            'person_id', OLD.id, 'username', OLD.username));
        RETURN OLD;
    END IF;
    IF OLD.email_verified = 0 AND NEW.email_verified <> 0 THEN
        PERFORM farm_auth_event('person.confirmed', NEW.id, jsonb_build_object(
            'person_id', NEW.id, 'email', NEW.email));
    END IF;
    IF OLD.locked_at IS NULL AND NEW.locked_at IS NOT NULL THEN
        PERFORM farm_auth_event('person.locked', NEW.id, jsonb_build_object(
            'person_id', NEW.id, 'reason', NEW.locked_reason));
    ELSIF OLD.locked_at IS NOT NULL AND NEW.locked_at IS NULL THEN
        PERFORM farm_auth_event('person.unlocked', NEW.id, jsonb_build_object(
            'person_id', NEW.id));
    END IF;
    IF OLD.roles IS DISTINCT FROM NEW.roles THEN
        PERFORM farm_auth_event('person.roles_changed', NEW.id, jsonb_build_object(
            'person_id', NEW.id, 'old_roles', OLD.roles::jsonb, 'roles', NEW.roles::jsonb));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_users AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION farm_auth_users_events();

-- A person deleted ends their live sessions first, so that the apps those sessions signed
-- in to are told (their grants are still there to be found).
CREATE FUNCTION farm_auth_users_deleting() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    UPDATE login_sessions SET ended_at = extract(epoch FROM clock_timestamp())::BIGINT
    WHERE user_id = OLD.id AND ended_at IS NULL;
    RETURN OLD;
END $$;
CREATE TRIGGER events_users_deleting BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION farm_auth_users_deleting();

CREATE FUNCTION farm_auth_sessions_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL THEN
        PERFORM farm_auth_event('session.ended', NEW.user_id, jsonb_build_object(
            'person_id', NEW.user_id, 'session_id', NEW.sid,
            'apps', (SELECT coalesce(jsonb_agg(DISTINCT client_id), '[]'::jsonb)
                     FROM grants WHERE sid = NEW.sid)));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_login_sessions AFTER UPDATE OF ended_at ON login_sessions
    FOR EACH ROW EXECUTE FUNCTION farm_auth_sessions_events();

CREATE FUNCTION farm_auth_farms_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM farm_auth_event('farm.created', NEW.id, jsonb_build_object(
            'farm_id', NEW.id, 'name', NEW.name, 'status', NEW.status));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM farm_auth_event('farm.deleted', OLD.id, jsonb_build_object(
            'farm_id', OLD.id, 'name', OLD.name));
        RETURN OLD;
    END IF;
    IF OLD.status <> NEW.status AND (NEW.status = 'suspended'
        OR (NEW.status = 'active' AND OLD.status IN ('pending', 'suspended'))) THEN
        PERFORM farm_auth_event(
            CASE WHEN NEW.status = 'suspended' THEN 'farm.suspended'
                 WHEN OLD.status = 'pending' THEN 'farm.approved'
                 ELSE 'farm.reinstated' END,
            NEW.id, jsonb_build_object('farm_id', NEW.id, 'old_status', OLD.status,
                                       'status', NEW.status, 'reason', NEW.status_reason));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_farms AFTER INSERT OR UPDATE OR DELETE ON farms
    FOR EACH ROW EXECUTE FUNCTION farm_auth_farms_events();

CREATE FUNCTION farm_auth_members_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM farm_auth_event('farm.member_added', NEW.farm_id, jsonb_build_object(
            'farm_id', NEW.farm_id, 'person_id', NEW.user_id, 'role', NEW.role));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM farm_auth_event('farm.member_removed', OLD.farm_id, jsonb_build_object(
            'farm_id', OLD.farm_id, 'person_id', OLD.user_id, 'role', OLD.role));
        RETURN OLD;
    END IF;
    IF OLD.role <> NEW.role THEN
        PERFORM farm_auth_event('farm.member_role_changed', NEW.farm_id, jsonb_build_object(
            'farm_id', NEW.farm_id, 'person_id', NEW.user_id, 'old_role', OLD.role,
            'role', NEW.role));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_farm_members AFTER INSERT OR UPDATE OR DELETE ON farm_members
    FOR EACH ROW EXECUTE FUNCTION farm_auth_members_events();

CREATE FUNCTION farm_auth_clients_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM farm_auth_event('app.registered', NEW.client_id, jsonb_build_object(
            'client_id', NEW.client_id, 'name', NEW.name, 'farm_id', NEW.farm_id,
            'vendor', NEW.vendor));
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM farm_auth_event('app.deleted', OLD.client_id, jsonb_build_object(
            'client_id', OLD.client_id, 'name', OLD.name, 'farm_id', OLD.farm_id));
        RETURN OLD;
    END IF;
    IF OLD.suspended_at IS NULL AND NEW.suspended_at IS NOT NULL THEN
        PERFORM farm_auth_event('app.suspended', NEW.client_id, jsonb_build_object(
            'client_id', NEW.client_id, 'farm_id', NEW.farm_id));
    ELSIF OLD.suspended_at IS NOT NULL AND NEW.suspended_at IS NULL THEN
        PERFORM farm_auth_event('app.reinstated', NEW.client_id, jsonb_build_object(
            'client_id', NEW.client_id, 'farm_id', NEW.farm_id));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_clients AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION farm_auth_clients_events();
