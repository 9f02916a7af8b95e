-- The person's own account, complete (issue 14), sqlite flavour. Keep in step with
-- migrations/postgres.

-- The name shown to apps in the `name` claim (profile scope); NULL: the username is shown.
-- At most 64 characters, no control or bidirectional-override characters (DisplayName).
ALTER TABLE users ADD COLUMN display_name TEXT;

-- A change of e-mail address waits in email_tokens (purpose `email_change`, `email` the
-- new address; at most one live per account) and can be undone for 7 days with a link to
-- the old address (purpose `email_change_undo`, `email` the old address): no new table.
