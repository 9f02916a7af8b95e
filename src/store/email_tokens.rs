//! The `email_tokens` table: the single-use links sent by mail (password reset, address
//! verification), stored as SHA-256 hashes.

use sqlx::{AnyConnection, FromRow};

use super::{Result, Store, Sweep};

/// The purpose of a code mailed to sign in with ([`crate::accounts::email_codes`]).
pub const SIGN_IN_CODE: &str = "sign_in_code";

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct EmailTokenRecord {
    pub token_hash: String,
    /// `password_reset`, `verify_email`, `email_change` or `email_change_undo`.
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_email_token_limited(
        &self,
        token: &EmailTokenRecord,
        since: i64,
        max: i64,
    ) -> Result<bool> {
        self.insert_limited(token, since, max, false).await
    }

    /// As [`Store::insert_email_token_limited`], and the unused tokens of the same user and
    /// purpose are used up in the same transaction: one live token of that purpose per
    /// account, the newest (a pending change of address).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn replace_email_token_limited(
        &self,
        token: &EmailTokenRecord,
        since: i64,
        max: i64,
    ) -> Result<bool> {
        self.insert_limited(token, since, max, true).await
    }

    async fn insert_limited(
        &self,
        token: &EmailTokenRecord,
        since: i64,
        max: i64,
        replace: bool,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        super::users::take_user_row(&mut tx, &token.user_id).await?;
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
        if replace {
            retire(
                &mut tx,
                &token.user_id,
                &token.purpose,
                i64::MIN,
                token.created_at,
            )
            .await?;
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
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_email_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<EmailTokenRecord>> {
        self.take_retiring(token_hash, purpose, now, false).await
    }

    /// Uses up a token atomically, as [`Store::take_email_token`], and with it only the
    /// unused tokens of the same user and purpose made after it: an undo link of an older
    /// change of address outlives the use of a newer one (the older address is the owner's).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_email_token_and_later(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<EmailTokenRecord>> {
        self.take_retiring(token_hash, purpose, now, true).await
    }

    /// Uses up a token, and the user's other unused ones of its purpose (only those made
    /// after it, with `later_only`), in one transaction.
    async fn take_retiring(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
        later_only: bool,
    ) -> Result<Option<EmailTokenRecord>> {
        let mut tx = self.begin().await?;
        let taken = take_email_token(&mut tx, token_hash, purpose, now, later_only).await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Uses up every unused token of `user_id` for `purpose`: links that must stop working
    /// (reset links mailed to an address the account no longer has).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn retire_email_tokens(&self, user_id: &str, purpose: &str, now: i64) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        retire(&mut conn, user_id, purpose, i64::MIN, now).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_email_tokens(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "email_tokens",
            key: "token_hash",
            condition: "expires_at <= $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}

/// [`Store::take_email_token`] (or, with `later_only`,
/// [`Store::take_email_token_and_later`]) inside a transaction the caller holds.
pub(super) async fn take_email_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: &str,
    now: i64,
    later_only: bool,
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
        let from = match later_only {
            true => token.created_at,
            false => i64::MIN,
        };
        retire(conn, &token.user_id, purpose, from, now).await?;
    }
    Ok(taken)
}

/// Marks used the unused tokens of `user_id` for `purpose` made at `from` or later.
async fn retire(
    conn: &mut AnyConnection,
    user_id: &str,
    purpose: &str,
    from: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE email_tokens SET used_at = $3 \
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND created_at >= $4",
    )
    .bind(user_id)
    .bind(purpose)
    .bind(now)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
