-- Administration (issue 5), PostgreSQL flavour. Keep in step with migrations/sqlite.

-- An administrator's lock on an account, apart from the brute-force throttles: set by
-- hand, lifted by hand. A locked person cannot sign in, and nothing they held works.
ALTER TABLE users ADD COLUMN locked_at BIGINT;
ALTER TABLE users ADD COLUMN locked_reason TEXT;
