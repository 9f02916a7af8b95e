-- 1M users and 10M audit events; see README.md.
SET synchronous_commit=off;
INSERT INTO users (id, username, username_normalized, email, email_normalized, email_verified, password_hash, roles, created_at, updated_at)
SELECT 'u' || i, 'user' || i, 'user' || i, 'p' || i || '@farm' || (i % 97) || '.example', 'p' || i || '@farm' || (i % 97) || '.example', 1, '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA', '["consumer"]', 1700000000 + i, 1700000000 + i FROM generate_series(1,1000000) i;
INSERT INTO audit_events (at, event, outcome, user_id, username, ip, client_id, detail)
SELECT 1733000000 + i * 3,
  (ARRAY['login.password','login.password','login.password','login.totp','token.issued','session.ended','session.ended','login.passkey','password.reset','totp.enabled','user.locked','client.created','login.failed'])[i % 13 + 1],
  'success', 'u' || ((i::bigint * 7919) % 1000000 + 1), NULL, '10.0.0.1', 'client' || (i % 100), NULL FROM generate_series(1,10000000) i;
VACUUM ANALYZE users; VACUUM ANALYZE audit_events;
