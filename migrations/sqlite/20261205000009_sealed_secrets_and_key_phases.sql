-- Two-phase key rotation: a new key is published first and signs only from activates_at,
-- once verifiers can have fetched it (the JWKS cache lifetime). Stored, so every replica
-- switches at the same moment. Keys made before this migration signed from their creation.
ALTER TABLE signing_keys ADD COLUMN activates_at INTEGER NOT NULL DEFAULT 0;
UPDATE signing_keys SET activates_at = created_at;

-- When a key was withdrawn after a compromise (farm-auth keys revoke): from then on it is
-- neither published nor used, and tokens it signed are refused. The row stays until the
-- sweep, so the kid is not reused and the console can show what happened.
ALTER TABLE signing_keys ADD COLUMN revoked_at INTEGER;

-- private_key, totp_factors.secret and the mail_outbox bodies are sealed at rest from now
-- on (AES-256-GCM under FARM_AUTH_SECRET_KEY); rows written in clear before are sealed by
-- the server at start-up (store::sealed), which needs the key, so no SQL does it here.
