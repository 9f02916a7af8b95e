//! The `browser_sessions` table (tower-sessions records, kept opaque here) and the
//! `login_sessions` table (a person's sign-ins: the `sid` of ID tokens).

use sqlx::{AnyConnection, FromRow};

use super::{Result, Store, StoreError, Sweep, from_json_list, to_json_list};

/// A person's sign-in at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSessionRecord {
    pub sid: String,
    pub user_id: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// Where and with what the person signed in, as the sessions page shows it.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// When the session was last used (to the minute); `None` until then.
    pub last_seen_at: Option<i64>,
}

#[derive(FromRow)]
struct LoginSessionRow {
    sid: String,
    user_id: String,
    auth_time: i64,
    amr: String,
    created_at: i64,
    expires_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
    last_seen_at: Option<i64>,
}

impl TryFrom<LoginSessionRow> for LoginSessionRecord {
    type Error = StoreError;

    fn try_from(row: LoginSessionRow) -> Result<Self> {
        Ok(LoginSessionRecord {
            sid: row.sid,
            user_id: row.user_id,
            auth_time: row.auth_time,
            amr: from_json_list(&row.amr)?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            ip: row.ip,
            user_agent: row.user_agent,
            last_seen_at: row.last_seen_at,
        })
    }
}

const LOGIN_COLUMNS: &str =
    "sid, user_id, auth_time, amr, created_at, expires_at, ip, user_agent, last_seen_at";

impl Store {
    /// Stores a browser session record, replacing the one with the same id. `client`: the
    /// address an anonymous record is counted under (`None` once someone is signed in).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn upsert_browser_session(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
        client: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO browser_sessions (id, data, expires_at, client_key) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, \
             expires_at = excluded.expires_at, client_key = excluded.client_key",
        )
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .bind(client)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a new browser session record; [`StoreError::Conflict`] if the id is taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_browser_session(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
        client: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO browser_sessions (id, data, expires_at, client_key) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .bind(client)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// Deletes the anonymous sessions of `client` beyond the `keep` that expire last (the
    /// most recently changed); returns how many went. One statement, through the
    /// `(client_key, expires_at)` index, touching at most `keep` + the few new rows.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn evict_anonymous_sessions(&self, client: &str, keep: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM browser_sessions WHERE client_key = $1 AND id NOT IN \
             (SELECT id FROM browser_sessions WHERE client_key = $1 \
              ORDER BY expires_at DESC, id DESC LIMIT $2)",
        )
        .bind(client)
        .bind(keep)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// The data and expiry of an unexpired browser session.
    #[tracing::instrument(level = "debug", skip_all)]
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

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_browser_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM browser_sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drops expired browser sessions and login sessions that ended or expired; returns how
    /// many rows went.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let browser = Sweep {
            table: "browser_sessions",
            key: "id",
            condition: "expires_at <= $1",
        };
        // Two sweeps, each by its own index, rather than one OR that neither engine reads
        // from one index.
        let expired = Sweep {
            table: "login_sessions",
            key: "sid",
            condition: "expires_at <= $1",
        };
        let ended = Sweep {
            table: "login_sessions",
            key: "sid",
            // A range rather than `IS NOT NULL`, which SQLite's planner does not read from an
            // index (it expects most rows to pass).
            condition: "ended_at >= $1",
        };
        Ok(self.sweep(&browser, &[now]).await?
            + self.sweep(&expired, &[now]).await?
            + self.sweep(&ended, &[i64::MIN]).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_login_session(&self, login: &LoginSessionRecord) -> Result<()> {
        insert_login_session(&mut *self.pool().acquire().await?, login).await
    }

    /// A login session that has neither ended nor expired at `now`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_live_login_session(
        &self,
        sid: &str,
        now: i64,
    ) -> Result<Option<LoginSessionRecord>> {
        let sql = format!(
            "SELECT {LOGIN_COLUMNS} FROM login_sessions \
             WHERE sid = $1 AND ended_at IS NULL AND expires_at > $2"
        );
        let row: Option<LoginSessionRow> = sqlx::query_as(&sql)
            .bind(sid)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        row.map(LoginSessionRecord::try_from).transpose()
    }

    /// `user_id`'s live login sessions, the most recently started first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_live_login_sessions(
        &self,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<LoginSessionRecord>> {
        let sql = format!(
            "SELECT {LOGIN_COLUMNS} FROM login_sessions \
             WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC, sid"
        );
        let rows: Vec<LoginSessionRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(now)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(LoginSessionRecord::try_from).collect()
    }

    /// Notes that a login session was used at `now`; written at most once a minute.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn touch_login_session(&self, sid: &str, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE login_sessions SET last_seen_at = $2 \
             WHERE sid = $1 AND (last_seen_at IS NULL OR last_seen_at < $2 - 60)",
        )
        .bind(sid)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends `user_id`'s live login sessions, all or one (`only`), except `keep`; returns the
    /// sids ended.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end_login_sessions_of_user(
        &self,
        user_id: &str,
        only: Option<&str>,
        keep: Option<&str>,
        now: i64,
    ) -> Result<Vec<String>> {
        let ended: Vec<(String,)> = sqlx::query_as(
            "UPDATE login_sessions SET ended_at = $2 \
             WHERE user_id = $1 AND ended_at IS NULL \
             AND ($3 IS NULL OR sid = $3) AND ($4 IS NULL OR sid <> $4) \
             RETURNING sid",
        )
        .bind(user_id)
        .bind(now)
        .bind(only)
        .bind(keep)
        .fetch_all(self.pool())
        .await?;
        Ok(ended.into_iter().map(|(sid,)| sid).collect())
    }

    /// Ends a login session (logout); ending it twice is not an error.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn end_login_session(&self, sid: &str, now: i64) -> Result<()> {
        end_login_session(&mut *self.pool().acquire().await?, sid, now).await
    }
}

/// [`Store::insert_login_session`] on a connection the caller holds (a transaction).
pub(super) async fn insert_login_session(
    conn: &mut AnyConnection,
    login: &LoginSessionRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_sessions (sid, user_id, auth_time, amr, created_at, expires_at, \
         ip, user_agent, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&login.sid)
    .bind(&login.user_id)
    .bind(login.auth_time)
    .bind(to_json_list(&login.amr))
    .bind(login.created_at)
    .bind(login.expires_at)
    .bind(&login.ip)
    .bind(&login.user_agent)
    .bind(login.last_seen_at)
    .execute(conn)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

/// [`Store::end_login_session`] on a connection the caller holds (a transaction).
pub(super) async fn end_login_session(conn: &mut AnyConnection, sid: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE login_sessions SET ended_at = $2 WHERE sid = $1 AND ended_at IS NULL")
        .bind(sid)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
