-- The plans of the user search, audit filters, client pages and sweeps; see README.md.
.timer on
EXPLAIN QUERY PLAN SELECT id FROM users WHERE username_normalized >= 'user1a' AND username_normalized < 'user1b' AND username_normalized > '' ORDER BY username_normalized LIMIT 26;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE email_normalized >= 'p12' AND email_normalized < 'p13' AND NOT (username_normalized >= 'p12' AND username_normalized < 'p13') AND email_normalized > '' ORDER BY email_normalized LIMIT 26;
EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE email_normalized >= 'p' AND email_normalized < 'q' AND NOT (username_normalized >= 'p' AND username_normalized < 'q') LIMIT 1001) AS found;
EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE user_id = 'u5' ORDER BY id DESC LIMIT 51;
EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE event = 'login.totp' AND id < 5000000 ORDER BY id DESC LIMIT 51;
EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE client_id = 'client5' AND at >= 1740000000 AND at < 1750000000 AND id <= 6000000 AND id >= 2000000 ORDER BY id DESC LIMIT 51;
EXPLAIN QUERY PLAN SELECT id FROM audit_events WHERE at < 1750000000 ORDER BY at DESC, id DESC LIMIT 1;
EXPLAIN QUERY PLAN WITH RECURSIVE names(event) AS (SELECT MIN(event) FROM audit_events WHERE event >= 'login.' AND event < 'login/' UNION ALL SELECT (SELECT MIN(later.event) FROM audit_events later WHERE later.event > names.event AND later.event < 'login/') FROM names WHERE names.event IS NOT NULL) SELECT event FROM names WHERE event IS NOT NULL;
EXPLAIN QUERY PLAN DELETE FROM audit_events WHERE (id) IN (SELECT id FROM audit_events WHERE at < 1740000000 LIMIT 1000);
EXPLAIN QUERY PLAN SELECT client_id FROM clients WHERE (clients.created_at, clients.client_id) > (5, 'x') ORDER BY clients.created_at, clients.client_id LIMIT 26;
EXPLAIN QUERY PLAN DELETE FROM rate_windows WHERE (key, window_start) IN (SELECT key, window_start FROM rate_windows WHERE window_start < 5 LIMIT 1000);
EXPLAIN QUERY PLAN DELETE FROM login_sessions WHERE (sid) IN (SELECT sid FROM login_sessions WHERE ended_at >= -9223372036854775808 LIMIT 1000);
EXPLAIN QUERY PLAN DELETE FROM mail_outbox WHERE (id) IN (SELECT id FROM mail_outbox WHERE sent_at < 5 OR failed_at < 5 LIMIT 1000);
