//! The `initial_access_tokens` table: what a vendor presents to register a client
//! (RFC 7591 §3). Stored only as hashes; each is good for a number of registrations until
//! it expires. They are spent in [`Store::insert_client_with_initial_token`].

use sqlx::FromRow;

use super::{Result, Store};

#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct InitialAccessTokenRecord {
    pub token_hash: String,
    /// The administrator or farmer who issued it; `None` for the command line.
    pub issued_by: Option<String>,
    /// The vendor the clients it registers are shown with.
    pub vendor: Option<String>,
    pub uses_left: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "token_hash, issued_by, vendor, uses_left, created_at, expires_at";

impl Store {
    pub async fn insert_initial_access_token(
        &self,
        token: &InitialAccessTokenRecord,
    ) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO initial_access_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(&token.token_hash)
        .bind(&token.issued_by)
        .bind(&token.vendor)
        .bind(token.uses_left)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The token with this hash, if it can still register a client at `now`.
    pub async fn find_usable_initial_access_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<InitialAccessTokenRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM initial_access_tokens \
             WHERE token_hash = $1 AND uses_left > 0 AND expires_at > $2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.pool())
            .await?)
    }

    /// The tokens that can still register clients, newest first.
    pub async fn list_usable_initial_access_tokens(
        &self,
        now: i64,
    ) -> Result<Vec<InitialAccessTokenRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM initial_access_tokens \
             WHERE uses_left > 0 AND expires_at > $1 ORDER BY created_at DESC, token_hash"
        );
        Ok(sqlx::query_as(&sql)
            .bind(now)
            .fetch_all(self.pool())
            .await?)
    }

    /// Withdraws a token; false if there was none.
    pub async fn delete_initial_access_token(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM initial_access_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Drops tokens that expired or were used up before `now`.
    pub async fn delete_spent_initial_access_tokens(&self, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM initial_access_tokens WHERE expires_at <= $1 OR uses_left <= 0",
        )
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
