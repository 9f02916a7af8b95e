-- The sign-up form's anti-automation step (issue 13, DECISIONS §87), SQLite flavour. Keep
-- in step with migrations/postgres.

-- Secrets the replicas share, made once by whichever replica needs one first: the key
-- that signs sign-up challenges.
CREATE TABLE instance_secrets (
    name        TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Sign-up challenges already used, kept only until the challenge would have expired
-- anyway: at most the sign-ups the throttles let through in a challenge's lifetime.
CREATE TABLE spent_challenges (
    nonce       TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX spent_challenges_expires_at ON spent_challenges (expires_at);
