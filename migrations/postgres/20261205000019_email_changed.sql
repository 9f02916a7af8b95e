-- Issue 15: a person's address changed (proved by a link mailed to the new one). The
-- payload carries the new address and whether it is confirmed, not the old one: a receiver
-- keys its records by person_id. A trigger of its own (PostgreSQL fires a row's triggers in
-- name order: after events_users, so after a person.confirmed of the same update).
CREATE FUNCTION farm_auth_users_email_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM farm_auth_event('person.email_changed', NEW.id, jsonb_build_object(
        'person_id', NEW.id, 'email', NEW.email, 'email_verified', NEW.email_verified <> 0));
    RETURN NEW;
END $$;
CREATE TRIGGER events_users_email AFTER UPDATE OF email ON users
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION farm_auth_users_email_events();
