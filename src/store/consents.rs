//! The `consents` table: the scopes a person has allowed a client, remembered so that the
//! consent page is shown again only when a client asks for more.

use super::{Result, Store};

impl Store {
    /// The scopes (space-separated) `user_id` has allowed `client_id`, if any.
    pub async fn find_consent(&self, user_id: &str, client_id: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2")
                .bind(user_id)
                .bind(client_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(scope,)| scope))
    }

    /// Records the scopes now allowed (replacing what was remembered).
    pub async fn upsert_consent(
        &self,
        user_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO consents (user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, client_id) DO UPDATE \
             SET scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(scope)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
