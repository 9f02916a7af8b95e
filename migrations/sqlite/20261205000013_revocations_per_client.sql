-- Issue 13: one client flooding /oauth2/revoke must not fill the revocation list for
-- everybody (docs/DECISIONS.md §102). A revocation a client asked for itself names that
-- client; revocations made by a person or an administrator (sign-out, password change,
-- the console) leave it NULL and count against nobody's share.
ALTER TABLE revoked_tokens ADD COLUMN requested_by TEXT;
CREATE INDEX revoked_tokens_requested_by ON revoked_tokens (requested_by, expires_at);
