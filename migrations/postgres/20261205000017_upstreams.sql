-- Upstream OpenID providers (decisions 131-140): farm-auth as the relying party of Google,
-- Microsoft or any provider with a discovery document. `client_secret` is sealed at rest
-- (store/sealed.rs); `scopes` is space separated; `trust_mfa` lets the provider's own second
-- factor (its ID token's `amr`) stand for ours.
CREATE TABLE upstream_providers (
    id             TEXT PRIMARY KEY,
    label          TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    trust_mfa      BIGINT NOT NULL DEFAULT 0,
    enabled        BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);
-- One local account per upstream subject, and one link per provider for a person.
CREATE TABLE upstream_links (
    provider_id   TEXT NOT NULL REFERENCES upstream_providers(id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    PRIMARY KEY (provider_id, subject),
    UNIQUE (provider_id, user_id)
);
CREATE INDEX upstream_links_user ON upstream_links (user_id);
