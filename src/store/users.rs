//! The `users` table: people who sign in. Passwords are stored as Argon2id PHC strings.

use sqlx::FromRow;

use super::{Result, Store, StoreError, from_json_list, to_json_list};
use crate::domain::{Role, Roles};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    /// The stable subject identifier (`sub`), never reassigned.
    pub id: String,
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub password_hash: Option<String>,
    pub roles: Roles,
    pub created_at: i64,
    pub updated_at: i64,
    /// When an administrator locked the account, and why; `None` when it is not locked.
    pub locked: Option<(i64, String)>,
    /// An administrator asked for a new password: the current one no longer signs in.
    pub password_reset_required: bool,
}

#[derive(FromRow)]
struct UserRow {
    id: String,
    username: String,
    email: String,
    email_verified: i64,
    password_hash: Option<String>,
    roles: String,
    created_at: i64,
    updated_at: i64,
    locked_at: Option<i64>,
    locked_reason: Option<String>,
    password_reset_required: i64,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self> {
        let roles = Roles::parse(from_json_list(&row.roles)?)
            .map_err(|e| StoreError::Corrupt(format!("user {} roles: {e}", row.id)))?;
        Ok(UserRecord {
            id: row.id,
            username: row.username,
            email: row.email,
            email_verified: row.email_verified != 0,
            password_hash: row.password_hash,
            roles,
            created_at: row.created_at,
            updated_at: row.updated_at,
            locked: row
                .locked_at
                .map(|at| (at, row.locked_reason.unwrap_or_default())),
            password_reset_required: row.password_reset_required != 0,
        })
    }
}

impl UserRecord {
    /// May use the console and the admin API now: holds the admin role and is not locked.
    pub fn is_active_admin(&self) -> bool {
        self.locked.is_none() && self.roles.contains(Role::Admin)
    }
}

const COLUMNS: &str = "id, username, email, email_verified, password_hash, roles, created_at, \
     updated_at, locked_at, locked_reason, password_reset_required";

impl Store {
    /// Inserts a user; [`StoreError::Conflict`] when the username or email (ignoring case) is
    /// taken.
    pub async fn insert_user(&self, user: &UserRecord) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        insert_user_row(&mut conn, user).await
    }

    /// Finds a user by username, ignoring case.
    pub async fn find_user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE username_normalized = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(username.to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    /// Finds a user by their stable id (`sub`).
    pub async fn find_user_by_id(&self, id: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    /// Finds a user by email address, ignoring case.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email_normalized = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(email.to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    pub async fn update_password_hash(&self, user_id: &str, hash: &str, now: i64) -> Result<()> {
        // A new password is what an administrator's required reset waits for.
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_reset_required = 0, updated_at = $3 \
             WHERE id = $1",
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks the address verified, if it is still the user's address; true if it is.
    pub async fn set_email_verified(&self, user_id: &str, email: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET email_verified = 1, updated_at = $3 \
             WHERE id = $1 AND email_normalized = $2",
        )
        .bind(user_id)
        .bind(email.to_lowercase())
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Locks (`Some((at, reason))`) or unlocks (`None`) an account; false if no such user.
    pub async fn set_user_lock(
        &self,
        user_id: &str,
        lock: Option<(i64, &str)>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET locked_at = $2, locked_reason = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(user_id)
        .bind(lock.map(|(at, _)| at))
        .bind(lock.map(|(_, reason)| reason))
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces a user's roles; false if no such user.
    pub async fn set_user_roles(&self, user_id: &str, roles: &Roles, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(to_json_list(&roles.names()))
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Users whose username or email contains `text` (ignoring case), by username: the
    /// page of `limit` from `offset`, and how many match in all.
    pub async fn search_users(
        &self,
        text: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<UserRecord>, i64)> {
        // No username or address holds a control character (and PostgreSQL text cannot
        // even hold a NUL): such a search finds no one, without asking.
        if text.chars().any(char::is_control) {
            return Ok((Vec::new(), 0));
        }
        let pattern = format!("%{}%", like_escaped(&text.trim().to_lowercase()));
        let matching = "FROM users WHERE username_normalized LIKE $1 ESCAPE '\\' \
                        OR email_normalized LIKE $1 ESCAPE '\\'";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {matching}"))
            .bind(&pattern)
            .fetch_one(self.pool())
            .await?;
        let sql =
            format!("SELECT {COLUMNS} {matching} ORDER BY username_normalized LIMIT $2 OFFSET $3");
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        let users = rows
            .into_iter()
            .map(UserRecord::try_from)
            .collect::<Result<_>>()?;
        Ok((users, total))
    }

    /// Marks the password as no longer good for signing in, until a reset replaces it.
    pub async fn require_password_reset(&self, user_id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET password_reset_required = 1, updated_at = $2 WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a user; what hangs off the account (sessions, grants, factors) goes with it.
    /// False if there was none.
    pub async fn delete_user(&self, user_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Inserts `user` on `conn` (a pooled connection or a transaction's); [`StoreError::Conflict`]
/// when the username or email (ignoring case) is taken.
pub(crate) async fn insert_user_row(
    conn: &mut sqlx::AnyConnection,
    user: &UserRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, username, username_normalized, email, email_normalized, \
             email_verified, password_hash, roles, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(user.username.to_lowercase())
    .bind(&user.email)
    .bind(user.email.to_lowercase())
    .bind(i64::from(user.email_verified))
    .bind(&user.password_hash)
    .bind(to_json_list(&user.roles.names()))
    .bind(user.created_at)
    .bind(user.updated_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

/// `text` with the LIKE wildcards (and the escape character) escaped by a backslash.
pub(crate) fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
