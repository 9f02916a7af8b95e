//! The `email_tokens` table: the single-use links sent by mail (password reset, address
//! verification), stored as SHA-256 hashes.

use sqlx::{AnyConnection, FromRow};

use super::{Result, Store, Sweep};

/// The purpose of a code mailed to sign in with ([`crate::accounts::email_codes`]).
pub const SIGN_IN_CODE: &str = "sign_in_code";

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct EmailTokenRecord {
    pub token_hash: String,
    /// `password_reset` or `verify_email`.
    pub purpose: String,
    pub user_id: String,
    /// The address the link was sent to.
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Store {
    /// Stores `token` unless `max` tokens of its purpose went to its user since `since`;
    /// true if stored. The user's row is locked first, so concurrent requests for one
    /// account are counted one after the other and never all slip under the limit.
    pub async fn insert_email_token_limited(
        &self,
        token: &EmailTokenRecord,
        since: i64,
        max: i64,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
            .bind(&token.user_id)
            .execute(&mut *tx)
            .await?;
        let (recent,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM email_tokens \
             WHERE user_id = $1 AND purpose = $2 AND created_at > $3",
        )
        .bind(&token.user_id)
        .bind(&token.purpose)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= max {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&token.token_hash)
        .bind(&token.purpose)
        .bind(&token.user_id)
        .bind(&token.email)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An unused, unexpired token for `purpose`, without using it up.
    pub async fn find_email_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<EmailTokenRecord>> {
        let row = sqlx::query_as(
            "SELECT token_hash, purpose, user_id, email, created_at, expires_at FROM email_tokens \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// Uses up a token atomically: the record if it was unused and unexpired, and every other
    /// unused token of the same user and purpose goes with it (an older link must not work
    /// after a newer one did).
    pub async fn take_email_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<EmailTokenRecord>> {
        let mut tx = self.pool().begin().await?;
        let taken = take_email_token(&mut tx, token_hash, purpose, now).await?;
        tx.commit().await?;
        Ok(taken)
    }

    pub async fn delete_expired_email_tokens(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "email_tokens",
            key: "token_hash",
            condition: "expires_at <= $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}

/// [`Store::take_email_token`] inside a transaction the caller holds.
pub(super) async fn take_email_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<EmailTokenRecord>> {
    let taken: Option<EmailTokenRecord> = sqlx::query_as(
        "UPDATE email_tokens SET used_at = $3 \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING token_hash, purpose, user_id, email, created_at, expires_at",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(token) = &taken {
        sqlx::query(
            "UPDATE email_tokens SET used_at = $3 \
             WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        )
        .bind(&token.user_id)
        .bind(purpose)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(taken)
}
