//! The `upstream_providers` and `upstream_links` tables: the OpenID providers farm-auth
//! signs people in with, and which upstream subject is which local account. The client
//! secret is sealed at rest ([`super::sealed`]); a provider's or a user's deletion takes
//! their links with it (foreign keys, `ON DELETE CASCADE`).

use sqlx::FromRow;

use super::sealed::context;
use super::users::{UserRecord, insert_user_row};
use super::{Result, Store, StoreError};

/// A configured upstream provider, its secret opened.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamRecord {
    /// A short slug (`google`), in the start URL.
    pub id: String,
    /// The button's text.
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space separated.
    pub scopes: String,
    /// The provider's own second factor (its `amr`) stands for ours.
    pub trust_mfa: bool,
    pub enabled: bool,
    pub created_at: i64,
}

/// Without the opened client secret.
impl std::fmt::Debug for UpstreamRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamRecord")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(FromRow)]
struct UpstreamRow {
    id: String,
    label: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    trust_mfa: i64,
    enabled: i64,
    created_at: i64,
}

/// Which local account an upstream subject signs in to.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct UpstreamLink {
    pub provider_id: String,
    pub subject: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str =
    "id, label, issuer, client_id, client_secret, scopes, trust_mfa, enabled, created_at";
const LINK_COLUMNS: &str = "provider_id, subject, user_id, created_at, last_used_at";

fn secret_context(id: &str) -> String {
    context("upstream_providers", "client_secret", id)
}

impl Store {
    fn open_upstream(&self, row: UpstreamRow) -> Result<UpstreamRecord> {
        let client_secret = self.open_text(&secret_context(&row.id), row.client_secret)?;
        Ok(UpstreamRecord {
            id: row.id,
            label: row.label,
            issuer: row.issuer,
            client_id: row.client_id,
            client_secret,
            scopes: row.scopes,
            trust_mfa: row.trust_mfa != 0,
            enabled: row.enabled != 0,
            created_at: row.created_at,
        })
    }

    /// Inserts a provider; [`super::StoreError::Conflict`] when its id is taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_upstream(&self, upstream: &UpstreamRecord) -> Result<()> {
        let sealed = self.seal_text(&secret_context(&upstream.id), &upstream.client_secret)?;
        sqlx::query(&format!(
            "INSERT INTO upstream_providers ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&upstream.id)
        .bind(&upstream.label)
        .bind(&upstream.issuer)
        .bind(&upstream.client_id)
        .bind(sealed)
        .bind(&upstream.scopes)
        .bind(i64::from(upstream.trust_mfa))
        .bind(i64::from(upstream.enabled))
        .bind(upstream.created_at)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// Every configured provider, by id.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_upstreams(&self) -> Result<Vec<UpstreamRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM upstream_providers ORDER BY id");
        let rows: Vec<UpstreamRow> = sqlx::query_as(&sql).fetch_all(self.pool()).await?;
        rows.into_iter().map(|r| self.open_upstream(r)).collect()
    }

    /// The enabled providers' ids and labels, by id: the buttons of the sign-in pages (no
    /// secret opened).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_upstream_buttons(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as(
                "SELECT id, label FROM upstream_providers WHERE enabled = 1 ORDER BY id",
            )
            .fetch_all(self.pool())
            .await?,
        )
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_upstream(&self, id: &str) -> Result<Option<UpstreamRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM upstream_providers WHERE id = $1");
        let row: Option<UpstreamRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| self.open_upstream(r)).transpose()
    }

    /// Deletes a provider and its links; false if there was none.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_upstream(&self, id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        // Explicitly too, so the links go even where foreign keys are not enforced.
        sqlx::query("DELETE FROM upstream_links WHERE provider_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM upstream_providers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The local account `subject` of `provider_id` signs in to, its last use moved on.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn use_upstream_link(
        &self,
        provider_id: &str,
        subject: &str,
        now: i64,
    ) -> Result<Option<UpstreamLink>> {
        let sql = format!(
            "UPDATE upstream_links SET last_used_at = $3 \
             WHERE provider_id = $1 AND subject = $2 RETURNING {LINK_COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id)
            .bind(subject)
            .bind(now)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Links `subject` of `provider_id` to `user_id`; [`super::StoreError::Conflict`] when
    /// the subject or the person is linked to that provider already.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_upstream_link(
        &self,
        provider_id: &str,
        subject: &str,
        user_id: &str,
        now: i64,
    ) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        insert_link(&mut conn, provider_id, subject, user_id, now).await
    }

    /// The providers `user_id` is linked to.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn upstream_links_of(&self, user_id: &str) -> Result<Vec<UpstreamLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM upstream_links WHERE user_id = $1 ORDER BY provider_id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// Removes `user_id`'s link to `provider_id` if the account keeps another way in (a
    /// password, a passkey, another link); false if nothing was removed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_upstream_link(&self, user_id: &str, provider_id: &str) -> Result<bool> {
        // The person's row is taken first, so that two unlinks (or an unlink and another
        // change of the ways in) run one after the other: each then sees what the other
        // left, and the last way in is never removed by both at once.
        let mut tx = self.begin().await?;
        super::users::take_user_row(&mut tx, user_id).await?;
        let done = sqlx::query(
            "DELETE FROM upstream_links WHERE user_id = $1 AND provider_id = $2 \
             AND (EXISTS (SELECT 1 FROM users WHERE id = $1 AND password_hash IS NOT NULL) \
             OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1) \
             OR EXISTS (SELECT 1 FROM upstream_links WHERE user_id = $1 AND provider_id <> $2))",
        )
        .bind(user_id)
        .bind(provider_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Inserts `user` and links `subject` of `provider_id` to them, in one transaction;
    /// [`StoreError::Conflict`] when the name, the address or the subject is taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_user_with_upstream_link(
        &self,
        user: &UserRecord,
        provider_id: &str,
        subject: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_user_row(&mut tx, user).await?;
        insert_link(&mut tx, provider_id, subject, &user.id, user.created_at).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_link(
    conn: &mut sqlx::AnyConnection,
    provider_id: &str,
    subject: &str,
    user_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO upstream_links (provider_id, subject, user_id, created_at, \
         last_used_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(provider_id)
    .bind(subject)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}
