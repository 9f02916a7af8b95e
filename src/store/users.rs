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
    /// The name the person chose to be shown by (the `name` claim); `None`: the username.
    pub display_name: Option<String>,
}

#[derive(FromRow)]
pub(super) struct UserRow {
    pub(super) id: String,
    pub(super) username: String,
    pub(super) email: String,
    pub(super) email_verified: i64,
    pub(super) password_hash: Option<String>,
    pub(super) roles: String,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) locked_at: Option<i64>,
    pub(super) locked_reason: Option<String>,
    pub(super) password_reset_required: i64,
    pub(super) display_name: Option<String>,
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
            display_name: row.display_name,
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
     updated_at, locked_at, locked_reason, password_reset_required, display_name";

/// People whose username starts with `$1` (`$2` is the first text past that prefix).
const BY_USERNAME: &str = "username_normalized >= $1 AND username_normalized < $2";
/// People whose address starts with `$1` and username does not: the search's second phase.
const BY_EMAIL_ONLY: &str = "email_normalized >= $1 AND email_normalized < $2 \
     AND NOT (username_normalized >= $1 AND username_normalized < $2)";

/// A search counts its matches up to here and then says "more than": an exact count of a
/// short prefix would read a large part of the table on every page.
pub const COUNT_CAP: i64 = 1_000;

/// How many people a search found: exact up to [`COUNT_CAP`], then "more than that".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub shown: i64,
    pub exact: bool,
}

impl Count {
    fn bounded(counted: i64) -> Count {
        Count {
            shown: counted.min(COUNT_CAP),
            exact: counted <= COUNT_CAP,
        }
    }
}

/// Where the next page of a user search starts: after this username (the first phase) or
/// after this address (the second). Written `u:NAME` or `e:ADDRESS` in links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserCursor {
    Username(String),
    Email(String),
}

impl UserCursor {
    /// The cursor a link carried; `None` for anything this server did not write.
    pub fn parse(text: &str) -> Option<UserCursor> {
        if text.chars().any(char::is_control) {
            return None;
        }
        match text.split_once(':')? {
            ("u", name) => Some(UserCursor::Username(name.to_string())),
            ("e", address) => Some(UserCursor::Email(address.to_string())),
            _ => None,
        }
    }
}

impl std::fmt::Display for UserCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserCursor::Username(name) => write!(f, "u:{name}"),
            UserCursor::Email(address) => write!(f, "e:{address}"),
        }
    }
}

/// One page of a user search.
#[derive(Clone, Debug, Default)]
pub struct UserPage {
    pub users: Vec<UserRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<UserCursor>,
    pub total: Count,
}

impl Store {
    /// Inserts a user; [`StoreError::Conflict`] when the username or email (ignoring case) is
    /// taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_user(&self, user: &UserRecord) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        insert_user_row(&mut conn, user).await
    }

    /// Finds a user by username, ignoring case.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE username_normalized = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(username.to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    /// Finds a user by their stable id (`sub`).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_user_by_id(&self, id: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    /// Finds a user by email address, ignoring case.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email_normalized = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(email.to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(UserRecord::try_from).transpose()
    }

    /// Removes the user's password (decision 151); false when there was none.
    /// Removes the password while another way in remains (a confirmed address, a linked
    /// provider, or a passkey when `passkeys_count`); false if it did not. The person's row
    /// is taken first, as unlinking a provider does, so that the two run one after the
    /// other and each sees what the other left: both at once must not leave no way in.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn remove_password_hash(
        &self,
        user_id: &str,
        now: i64,
        passkeys_count: bool,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        take_user_row(&mut tx, user_id).await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = NULL, updated_at = $2 \
             WHERE id = $1 AND password_hash IS NOT NULL \
             AND (email_verified <> 0 \
             OR EXISTS (SELECT 1 FROM upstream_links WHERE user_id = $1) \
             OR ($3 = 1 AND EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)))",
        )
        .bind(user_id)
        .bind(now)
        .bind(i64::from(passkeys_count))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_user_roles(&self, user_id: &str, roles: &Roles, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(to_json_list(&roles.names()))
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// One page of the people whose username or email starts with `text` (ignoring case):
    /// first those whose username does, by username, then those whose address does (and
    /// username does not), by address. Each phase is a range of a unique index read in
    /// order from `after`, so a page costs `limit` rows however many people there are; the
    /// count stops at [`COUNT_CAP`].
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search_users(
        &self,
        text: &str,
        after: Option<&UserCursor>,
        limit: i64,
    ) -> Result<UserPage> {
        // No username or address holds a control character (and PostgreSQL text cannot
        // even hold a NUL): such a search finds no one, without asking.
        if text.chars().any(char::is_control) {
            return Ok(UserPage::default());
        }
        let prefix = text.trim().to_lowercase();
        let end = successor(&prefix);
        let mut page = UserPage {
            total: self.count_users_from(&prefix, &end).await?,
            ..UserPage::default()
        };
        if !matches!(after, Some(UserCursor::Email(_))) {
            let from = match after {
                Some(UserCursor::Username(name)) => name.as_str(),
                _ => "",
            };
            let sql = format!(
                "SELECT {COLUMNS} FROM users WHERE {BY_USERNAME} AND username_normalized > $3 \
                 ORDER BY username_normalized LIMIT $4"
            );
            let rows = self.user_rows(&sql, &prefix, &end, from, limit + 1).await?;
            page.users = rows;
            if page.users.len() as i64 > limit {
                page.users.truncate(limit as usize);
                page.next = (page.users.last())
                    .map(|last| UserCursor::Username(last.username.to_lowercase()));
                return Ok(page);
            }
        }
        // An empty search lists everyone by username: there is no second phase.
        if prefix.is_empty() {
            return Ok(page);
        }
        let from = match after {
            Some(UserCursor::Email(address)) => address.as_str(),
            _ => "",
        };
        let room = limit - page.users.len() as i64;
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE {BY_EMAIL_ONLY} AND email_normalized > $3 \
             ORDER BY email_normalized LIMIT $4"
        );
        let mut rows = self.user_rows(&sql, &prefix, &end, from, room + 1).await?;
        let more = rows.len() as i64 > room;
        rows.truncate(usize::try_from(room).unwrap_or(0));
        if more {
            // A page that ends with the last username match continues with the first
            // address match: an empty address is before them all.
            let last = rows.last().map(|user| user.email.to_lowercase());
            page.next = Some(UserCursor::Email(last.unwrap_or_default()));
        }
        page.users.extend(rows);
        Ok(page)
    }

    /// How many people a search for `prefix` finds, counting no further than [`COUNT_CAP`].
    async fn count_users_from(&self, prefix: &str, end: &str) -> Result<Count> {
        let mut counted = 0;
        for matching in [BY_USERNAME, BY_EMAIL_ONLY] {
            // The inner LIMIT bounds the index range read, whatever the table holds; a
            // literal, so that PostgreSQL plans for a small count (see `Store::sweep`).
            let sql = format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE {matching} LIMIT {}) AS found",
                COUNT_CAP + 1
            );
            counted += sqlx::query_scalar::<_, i64>(&sql)
                .bind(prefix)
                .bind(end)
                .fetch_one(self.pool())
                .await?;
            if prefix.is_empty() {
                break;
            }
        }
        Ok(Count::bounded(counted))
    }

    async fn user_rows(
        &self,
        sql: &str,
        prefix: &str,
        end: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<UserRecord>> {
        let rows: Vec<UserRow> = sqlx::query_as(sql)
            .bind(prefix)
            .bind(end)
            .bind(after)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(UserRecord::try_from).collect()
    }

    /// Marks the password as no longer good for signing in, until a reset replaces it.
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_user(&self, user_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Takes `user_id`'s row in the transaction on `conn` (a no-op write), so that changes to the
/// person's ways in, their account or their mail limits run one after the other: each sees
/// what the one before left. False when there is no such person.
pub(crate) async fn take_user_row(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<bool> {
    let taken = sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(taken.rows_affected() == 1)
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

/// The first text past every text that starts with `prefix`, in code-point order (SQLite's
/// BINARY, PostgreSQL's "C"): `prefix` with its last character stepped up by one. Then
/// `>= prefix AND < successor` is a range an index can read, where `LIKE 'prefix%'` is one
/// only under conditions that differ between the engines.
pub(crate) fn successor(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    // Empty, or nothing but the last code point: everything from `prefix` on.
    char::MAX.to_string().repeat(prefix.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::{UserCursor, successor};

    #[test]
    fn the_successor_of_a_prefix_bounds_exactly_the_texts_that_start_with_it() {
        assert_eq!(successor("ab"), "ac");
        assert_eq!(successor("a@"), "aA");
        assert_eq!(successor("z\u{D7FF}"), "z\u{E000}");
        assert_eq!(successor("a\u{10FFFF}"), "b");
        assert_eq!(successor(""), "\u{10FFFF}");
        for text in ["ab", "abz", "ab\u{10FFFF}x", "ab~"] {
            assert!(text >= "ab" && text < successor("ab").as_str(), "{text}");
        }
        for text in ["aa", "ac", "b", "a"] {
            assert!(!(text >= "ab" && text < successor("ab").as_str()), "{text}");
        }
    }

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_nothing_else() {
        for cursor in [
            UserCursor::Username("wren".into()),
            UserCursor::Username("a:b".into()),
            UserCursor::Email("w@x.example".into()),
            UserCursor::Email(String::new()),
        ] {
            assert_eq!(UserCursor::parse(&cursor.to_string()), Some(cursor));
        }
        for text in ["", "wren", "x:wren", "e", "u:a\u{0}b"] {
            assert_eq!(UserCursor::parse(text), None, "{text:?}");
        }
    }
}
