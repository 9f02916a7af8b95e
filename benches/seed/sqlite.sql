-- 1M users and 10M audit events; see README.md.
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO users (id, username, username_normalized, email, email_normalized, email_verified,
                   password_hash, roles, created_at, updated_at)
SELECT 'u' || i, 'user' || i, 'user' || i, 'p' || i || '@farm' || (i % 97) || '.example',
       'p' || i || '@farm' || (i % 97) || '.example', 1,
       '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA', '["consumer"]',
       1700000000 + i, 1700000000 + i
FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000000)
INSERT INTO audit_events (at, event, outcome, user_id, username, ip, client_id, detail)
SELECT 1733000000 + i * 3,
  CASE i % 13 WHEN 0 THEN 'login.password' WHEN 1 THEN 'login.password' WHEN 2 THEN 'login.password' WHEN 3 THEN 'login.totp' WHEN 4 THEN 'token.issued' WHEN 5 THEN 'session.ended' WHEN 6 THEN 'session.ended' WHEN 7 THEN 'login.passkey' WHEN 8 THEN 'password.reset' WHEN 9 THEN 'totp.enabled' WHEN 10 THEN 'user.locked' WHEN 11 THEN 'client.created' ELSE 'login.failed' END,
  'success', 'u' || ((i * 7919) % 1000000 + 1), NULL, '10.0.0.1', 'client' || (i % 100), NULL FROM n;
COMMIT;
