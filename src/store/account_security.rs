//! Queries for what follows a change of password: the grants that can change the account
//! (ended by a password change) and the second factors added recently (reviewed after a
//! reset). They read the `grants`, `refresh_tokens`, `totp_factors`, `recovery_codes` and
//! `passkeys` tables that [`super::grants`] and [`super::factors`] own.

use sqlx::FromRow;

use super::{Result, Store, stored_scope};
use crate::domain::Scope;

/// A live grant of a person, with what it allows.
#[derive(Clone, Debug)]
pub struct LiveGrant {
    pub id: String,
    pub client_id: String,
    pub scope: Scope,
}

/// A second factor, as the review after a reset lists it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct AddedFactor {
    /// `totp`, `recovery_codes`, `passkey` or `upstream` (a provider linked).
    pub kind: String,
    /// The passkey's credential id, the provider's id; the user id for the others (one of
    /// each per person).
    pub id: String,
    /// The passkey's name, the provider's label; empty for the others.
    pub name: String,
    pub added_at: i64,
}

impl Store {
    /// The live grants of `user_id`, except the one that issued the access token `except_jti`
    /// (the token of the app making the change).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_live_grants_of_user(
        &self,
        user_id: &str,
        now: i64,
        except_jti: Option<&str>,
    ) -> Result<Vec<LiveGrant>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT g.id, g.client_id, g.scope FROM grants g \
             WHERE g.user_id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2 \
             AND ($3 IS NULL OR NOT (COALESCE(g.access_jti = $3, FALSE) OR EXISTS \
             (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.id AND r.access_jti = $3)))",
        )
        .bind(user_id)
        .bind(now)
        .bind(except_jti)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, client_id, scope)| {
                let scope = stored_scope(&scope, || format!("grant {id}"))?;
                Ok(LiveGrant {
                    id,
                    client_id,
                    scope,
                })
            })
            .collect()
    }

    /// The second factors of `user_id` added (or, for recovery codes, made anew) at
    /// `since` or later, and the providers linked since, oldest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_factors_added_since(
        &self,
        user_id: &str,
        since: i64,
    ) -> Result<Vec<AddedFactor>> {
        let rows = sqlx::query_as(
            "SELECT 'totp' AS kind, user_id AS id, '' AS name, confirmed_at AS added_at \
             FROM totp_factors WHERE user_id = $1 AND confirmed_at >= $2 \
             UNION ALL \
             SELECT 'recovery_codes', user_id, '', MAX(created_at) FROM recovery_codes \
             WHERE user_id = $1 AND created_at >= $2 GROUP BY user_id \
             UNION ALL \
             SELECT 'passkey', credential_id, name, created_at FROM passkeys \
             WHERE user_id = $1 AND created_at >= $2 \
             UNION ALL \
             SELECT 'upstream', l.provider_id, p.label, l.created_at FROM upstream_links l \
             JOIN upstream_providers p ON p.id = l.provider_id \
             WHERE l.user_id = $1 AND l.created_at >= $2 \
             ORDER BY added_at, id",
        )
        .bind(user_id)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Removes `user_id`'s link to `provider_id` if it was written at `since` or later,
    /// whatever other ways in remain (the review after a reset, an undone change of
    /// address: the person has another way back, the reset); false if there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_upstream_link_added_since(
        &self,
        user_id: &str,
        provider_id: &str,
        since: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM upstream_links \
             WHERE user_id = $1 AND provider_id = $2 AND created_at >= $3",
        )
        .bind(user_id)
        .bind(provider_id)
        .bind(since)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes `user_id`'s recovery codes; false if they had none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_recovery_codes(&self, user_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
