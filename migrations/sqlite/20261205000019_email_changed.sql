-- Issue 15: a person's address changed (proved by a link mailed to the new one). The
-- payload carries the new address and whether it is confirmed, not the old one: a receiver
-- keys its records by person_id.
CREATE TRIGGER events_person_email_changed AFTER UPDATE OF email ON users
WHEN OLD.email IS NOT NEW.email BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.email_changed', NEW.id,
        json_object('person_id', NEW.id, 'email', NEW.email,
            'email_verified', json(CASE WHEN NEW.email_verified <> 0 THEN 'true' ELSE 'false' END)),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;

-- SQLite fires a row's triggers newest first: person.confirmed is made again after the new
-- trigger, so that an update that confirms and changes an address at once (an unconfirmed
-- person changing theirs) tells person.confirmed first, as PostgreSQL does (name order).
DROP TRIGGER events_person_confirmed;
CREATE TRIGGER events_person_confirmed AFTER UPDATE OF email_verified ON users
WHEN OLD.email_verified = 0 AND NEW.email_verified <> 0 BEGIN
    INSERT INTO events (id, type, subject, data, created_ms) VALUES (
        'evt_' || lower(hex(randomblob(16))), 'person.confirmed', NEW.id,
        json_object('person_id', NEW.id, 'email', NEW.email),
        CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER));
END;
