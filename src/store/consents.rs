//! The `consents` table: the scopes a person has allowed a client, remembered so that the
//! consent page is shown again only when a client asks for more.

use super::{Result, Store, stored_scope};
use crate::domain::Scope;

impl Store {
    /// The scopes `user_id` has allowed `client_id`, if any.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_consent(&self, user_id: &str, client_id: &str) -> Result<Option<Scope>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2")
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(self.pool())
                .await?;
        row.map(|(scope,)| stored_scope(&scope, || format!("consent of {user_id} for {client_id}")))
            .transpose()
    }

    /// Records the scopes now allowed (replacing what was remembered).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn upsert_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &Scope,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id) DO UPDATE \
             SET scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(scope.to_string())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets what `user_id` allowed `client_id`; true if there was something.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_consent(&self, user_id: &str, client_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
            .bind(user_id)
            .bind(client_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The apps `user_id` has connected: every client holding their consent or a live
    /// grant, with the scopes allowed and when they were last granted.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_connected_apps(&self, user_id: &str, now: i64) -> Result<Vec<ConnectedApp>> {
        let rows: Vec<ConnectedAppRow> = sqlx::query_as(
            "SELECT client_id, MAX(scope) AS scope, MAX(granted_at) AS granted_at, \
             SUM(live) AS live_grants FROM ( \
               SELECT client_id, scope, granted_at, 0 AS live FROM consents WHERE user_id = $1 \
               UNION ALL \
               SELECT client_id, NULL AS scope, created_at AS granted_at, 1 AS live FROM grants \
               WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
                 AND code_used_at IS NOT NULL \
             ) AS held GROUP BY client_id ORDER BY client_id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                let scope = row
                    .scope
                    .as_deref()
                    .map(|scope| {
                        stored_scope(scope, || {
                            format!("consent of {user_id} for {}", row.client_id)
                        })
                    })
                    .transpose()?;
                Ok(ConnectedApp {
                    client_id: row.client_id,
                    scope,
                    granted_at: row.granted_at,
                    live_grants: row.live_grants,
                })
            })
            .collect()
    }
}

/// A client that holds a person's consent or tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectedApp {
    pub client_id: String,
    /// The scopes remembered as allowed, if consent is remembered.
    pub scope: Option<Scope>,
    pub granted_at: i64,
    /// How many of its authorizations are live (refresh tokens may be renewed).
    pub live_grants: i64,
}

#[derive(sqlx::FromRow)]
struct ConnectedAppRow {
    client_id: String,
    scope: Option<String>,
    granted_at: i64,
    live_grants: i64,
}
