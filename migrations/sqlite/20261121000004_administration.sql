-- Administration (issue 5), SQLite flavour. Keep in step with migrations/postgres.

-- An administrator's lock on an account, apart from the brute-force throttles: set by
-- hand, lifted by hand. A locked person cannot sign in, and nothing they held works.
ALTER TABLE users ADD COLUMN locked_at INTEGER;
ALTER TABLE users ADD COLUMN locked_reason TEXT;
