-- Step-up (decisions 123-126). An administrator's minimum authentication level for a
-- client (an `acr` value, decision 123): every authorization of the client must reach it.
ALTER TABLE clients ADD COLUMN min_acr TEXT;
-- The relying party's own default `acr_values` (OpenID Connect Registration §2), space
-- separated, used when a request names none.
ALTER TABLE clients ADD COLUMN default_acr_values TEXT;
-- The `acr` the grant's tokens state, decided when the code was issued (OpenID Connect Core
-- §5.5.1.1: one of the requested values when they were met). NULL for grants made before:
-- their level is read from amr.
ALTER TABLE grants ADD COLUMN acr TEXT;
