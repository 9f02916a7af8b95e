//! The `browser_sessions` table (tower-sessions records, kept opaque here) and the
//! `login_sessions` table (a person's sign-ins: the `sid` of ID tokens).

use sqlx::FromRow;

use super::{Result, Store, StoreError, from_json_list, to_json_list};

/// A person's sign-in at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSessionRecord {
    pub sid: String,
    pub user_id: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(FromRow)]
struct LoginSessionRow {
    sid: String,
    user_id: String,
    auth_time: i64,
    amr: String,
    created_at: i64,
    expires_at: i64,
}

impl Store {
    /// Stores a browser session record, replacing the one with the same id.
    pub async fn upsert_browser_session(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO browser_sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a new browser session record; [`StoreError::Conflict`] if the id is taken.
    pub async fn insert_browser_session(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO browser_sessions (id, data, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(self.pool())
            .await
            .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// The data and expiry of an unexpired browser session.
    pub async fn find_browser_session(&self, id: &str, now: i64) -> Result<Option<(Vec<u8>, i64)>> {
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM browser_sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    pub async fn delete_browser_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM browser_sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drops expired browser sessions and login sessions that ended or expired; returns how
    /// many rows went.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let browser = sqlx::query("DELETE FROM browser_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        let login = sqlx::query(
            "DELETE FROM login_sessions WHERE expires_at <= $1 OR ended_at IS NOT NULL",
        )
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(browser.rows_affected() + login.rows_affected())
    }

    pub async fn insert_login_session(&self, login: &LoginSessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_sessions (sid, user_id, auth_time, amr, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&login.sid)
        .bind(&login.user_id)
        .bind(login.auth_time)
        .bind(to_json_list(&login.amr))
        .bind(login.created_at)
        .bind(login.expires_at)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// A login session that has neither ended nor expired at `now`.
    pub async fn find_live_login_session(
        &self,
        sid: &str,
        now: i64,
    ) -> Result<Option<LoginSessionRecord>> {
        let row: Option<LoginSessionRow> = sqlx::query_as(
            "SELECT sid, user_id, auth_time, amr, created_at, expires_at FROM login_sessions \
             WHERE sid = $1 AND ended_at IS NULL AND expires_at > $2",
        )
        .bind(sid)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(LoginSessionRecord {
                sid: row.sid,
                user_id: row.user_id,
                auth_time: row.auth_time,
                amr: from_json_list(&row.amr)?,
                created_at: row.created_at,
                expires_at: row.expires_at,
            })
        })
        .transpose()
    }

    /// Ends a login session (logout); ending it twice is not an error.
    pub async fn end_login_session(&self, sid: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE login_sessions SET ended_at = $2 WHERE sid = $1 AND ended_at IS NULL")
            .bind(sid)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
