//! The refresh grant's first read, in one statement: an unused refresh token, its live grant
//! and the grant's person. The grant answers this on every refresh, and three lookups cost
//! three round trips to the database (through sqlx's SQLite worker thread, or the network)
//! where one join costs one (docs/DECISIONS.md §113). When the join finds nothing, the
//! separate lookups say why (used, expired, revoked, never ours), which is rare.

use sqlx::FromRow;

use super::grants::{GrantRecord, GrantRow, RefreshRow, RefreshTokenRecord};
use super::users::{UserRecord, UserRow};
use super::{Result, Store};

/// A refresh token in use: unused, of a live grant, whose person exists.
#[derive(Debug)]
pub struct RefreshInUse {
    pub token: RefreshTokenRecord,
    pub grant: GrantRecord,
    pub user: UserRecord,
}

/// The grant's columns under their own names; the token's and the person's where they
/// would clash (`scope`, `created_at`) under a prefix. The person's id is the grant's
/// `user_id`.
#[derive(FromRow)]
struct InUseRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    token_hash: String,
    token_scope: String,
    token_created_at: i64,
    idle_expires_at: i64,
    access_jti: String,
    access_exp: i64,
    username: String,
    email: String,
    email_verified: i64,
    password_hash: Option<String>,
    roles: String,
    user_created_at: i64,
    updated_at: i64,
    locked_at: Option<i64>,
    locked_reason: Option<String>,
    password_reset_required: i64,
    display_name: Option<String>,
}

const IN_USE: &str = "SELECT g.id, g.client_id, g.user_id, g.scope, g.claims, g.sid, \
     g.auth_time, g.amr, g.acr, g.nonce, g.redirect_uri, g.code_challenge, g.code_hash, \
     g.code_expires_at, g.created_at, g.expires_at, \
     t.token_hash, t.scope AS token_scope, t.created_at AS token_created_at, \
     t.idle_expires_at, t.access_jti, t.access_exp, \
     u.username, u.email, u.email_verified, u.password_hash, u.roles, \
     u.created_at AS user_created_at, u.updated_at, u.locked_at, u.locked_reason, \
     u.password_reset_required, u.display_name \
     FROM refresh_tokens t \
     JOIN grants g ON g.id = t.grant_id AND g.revoked_at IS NULL AND g.expires_at > $2 \
     JOIN users u ON u.id = g.user_id \
     WHERE t.token_hash = $1 AND t.used_at IS NULL";

impl Store {
    /// The unused refresh token with this hash, with its grant if live at `now` and the
    /// grant's person if they exist; `None` if any of the three is missing.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_refresh_in_use(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<RefreshInUse>> {
        let row: Option<InUseRow> = sqlx::query_as(IN_USE)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        row.map(RefreshInUse::try_from).transpose()
    }
}

impl TryFrom<InUseRow> for RefreshInUse {
    type Error = super::StoreError;

    fn try_from(row: InUseRow) -> Result<Self> {
        let grant = GrantRecord::try_from(row.grant)?;
        let token = RefreshTokenRecord::try_from(RefreshRow {
            token_hash: row.token_hash,
            grant_id: grant.id.clone(),
            scope: row.token_scope,
            created_at: row.token_created_at,
            idle_expires_at: row.idle_expires_at,
            access_jti: row.access_jti,
            access_exp: row.access_exp,
        })?;
        let user = UserRecord::try_from(UserRow {
            id: grant.user_id.clone(),
            username: row.username,
            email: row.email,
            email_verified: row.email_verified,
            password_hash: row.password_hash,
            roles: row.roles,
            created_at: row.user_created_at,
            updated_at: row.updated_at,
            locked_at: row.locked_at,
            locked_reason: row.locked_reason,
            password_reset_required: row.password_reset_required,
            display_name: row.display_name,
        })?;
        Ok(RefreshInUse { token, grant, user })
    }
}
