//! The `grants` and `refresh_tokens` tables: what a person allowed a client (born with its
//! code) and its rotating refresh tokens, stored as hashes. A code is consumed atomically
//! (`take_*`) by the one presentation that passes its checks; a refresh token rotates in one.

use sqlx::FromRow;

use super::{Result, Store, StoreError, Sweep, from_json_list, stored_scope, to_json_list};
use crate::domain::Scope;

/// One authorization, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: Scope,
    pub claims: Option<String>,
    pub sid: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    /// The `acr` its tokens state (decided when the code was issued); `None` for grants
    /// made before step-up, whose level is read from `amr`.
    pub acr: Option<String>,
    pub nonce: Option<String>,
    /// Text, not a [`crate::domain::RedirectUri`]: a device grant holds its grant type's URN
    /// here, which no redirect URI can be.
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_hash: String,
    pub code_expires_at: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(FromRow)]
pub(super) struct GrantRow {
    id: String,
    client_id: String,
    user_id: String,
    scope: String,
    claims: Option<String>,
    sid: String,
    auth_time: i64,
    amr: String,
    acr: Option<String>,
    nonce: Option<String>,
    redirect_uri: String,
    code_challenge: Option<String>,
    code_hash: String,
    code_expires_at: i64,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<GrantRow> for GrantRecord {
    type Error = StoreError;

    fn try_from(row: GrantRow) -> Result<Self> {
        let scope = stored_scope(&row.scope, || format!("grant {}", row.id))?;
        Ok(GrantRecord {
            id: row.id,
            client_id: row.client_id,
            user_id: row.user_id,
            scope,
            claims: row.claims,
            sid: row.sid,
            auth_time: row.auth_time,
            amr: from_json_list(&row.amr)?,
            acr: row.acr,
            nonce: row.nonce,
            redirect_uri: row.redirect_uri,
            code_challenge: row.code_challenge,
            code_hash: row.code_hash,
            code_expires_at: row.code_expires_at,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

const COLUMNS: &str = "id, client_id, user_id, scope, claims, sid, auth_time, amr, acr, nonce, \
                       redirect_uri, code_challenge, code_hash, code_expires_at, created_at, \
                       expires_at";

/// A refresh token as stored, with the grant it belongs to.
#[derive(Clone, Debug)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub grant_id: String,
    pub scope: Scope,
    pub created_at: i64,
    pub idle_expires_at: i64,
    pub access_jti: String,
    pub access_exp: i64,
}

/// What presenting a code or refresh token found.
#[derive(Debug)]
pub enum Taken<T> {
    /// Unused until now, and now used: the caller owns it.
    Fresh(T),
    /// Used before: a replay. Carries the grant's id.
    Replayed(String),
    Unknown,
}

/// An access token some grant issued, to revoke with it.
pub type IssuedJti = (String, i64);

/// What a token request presents with an authorization code, checked in the statement that
/// takes it (RFC 6749 §4.1.3, RFC 7636 §4.6).
#[derive(Debug)]
pub struct CodePresentation<'a> {
    /// The authenticated client.
    pub client_id: &'a str,
    /// The `redirect_uri` parameter, when sent: it must equal the one the request named.
    pub redirect_uri: Option<&'a str>,
    /// Whether a code whose request named no redirect URI accepts this presentation (none
    /// sent, or one registered for the client).
    pub fits_omitted_redirect_uri: bool,
    /// The S256 challenge of the `code_verifier` sent, if any: it must equal the stored
    /// challenge, and both be absent otherwise.
    pub challenge: Option<&'a str>,
    /// What a device grant holds for a redirect URI: its code is never taken here.
    pub device_marker: &'a str,
}

/// What presenting an authorization code found.
#[derive(Debug)]
pub enum CodeTake {
    /// Unused until now, issued to this client for this redirect URI and verifier, unexpired,
    /// and now used: the caller owns it.
    Taken(GrantRecord),
    /// Not taken: its grant as stored, whether its code was used before and whether the grant
    /// is revoked. A code refused for a mismatch stays usable by its own client.
    Refused {
        grant: GrantRecord,
        used: bool,
        revoked: bool,
    },
    Unknown,
}

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_grant(&self, grant: &GrantRecord) -> Result<()> {
        insert_grant(self.pool(), grant).await
    }

    /// Consumes the authorization code with this hash if, in the same statement, it is
    /// unused, unexpired, of a live grant, and `presented` by its client with its redirect
    /// URI and PKCE verifier; records beforehand the access token that will be issued for it
    /// (so a replay can revoke it). RFC 6749 §4.1.2: a code is used once; a presentation that
    /// fails a check takes nothing, so whoever holds a code cannot spend it for its client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_authorization_code(
        &self,
        code_hash: &str,
        presented: &CodePresentation<'_>,
        now: i64,
        access: &IssuedJti,
    ) -> Result<CodeTake> {
        let sql = format!(
            "UPDATE grants SET code_used_at = $2, access_jti = $3, access_exp = $4 \
             WHERE code_hash = $1 AND code_used_at IS NULL AND revoked_at IS NULL \
             AND code_expires_at > $2 AND client_id = $5 AND redirect_uri <> $6 \
             AND (redirect_uri = $7 OR (redirect_uri = '' AND $8 = 1)) \
             AND code_challenge IS NOT DISTINCT FROM $9 \
             RETURNING {COLUMNS}"
        );
        let row: Option<GrantRow> = sqlx::query_as(&sql)
            .bind(code_hash)
            .bind(now)
            .bind(&access.0)
            .bind(access.1)
            .bind(presented.client_id)
            .bind(presented.device_marker)
            .bind(presented.redirect_uri)
            .bind(i64::from(presented.fits_omitted_redirect_uri))
            .bind(presented.challenge)
            .fetch_optional(self.pool())
            .await?;
        if let Some(row) = row {
            return Ok(CodeTake::Taken(row.try_into()?));
        }
        let sql =
            format!("SELECT {COLUMNS}, code_used_at, revoked_at FROM grants WHERE code_hash = $1");
        let seen: Option<PresentedCodeRow> = sqlx::query_as(&sql)
            .bind(code_hash)
            .fetch_optional(self.pool())
            .await?;
        let Some(seen) = seen else {
            return Ok(CodeTake::Unknown);
        };
        Ok(CodeTake::Refused {
            used: seen.code_used_at.is_some(),
            revoked: seen.revoked_at.is_some(),
            grant: seen.grant.try_into()?,
        })
    }

    /// Consumes the code of a device grant (RFC 8628 §3.4) for `client_id` if it is unused
    /// and unexpired, recording beforehand the access token that will be issued for it. A
    /// device code presented by another client, or expired, takes nothing and is `Unknown`;
    /// one its client used before is `Replayed`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_device_grant_code(
        &self,
        code_hash: &str,
        client_id: &str,
        now: i64,
        access: &IssuedJti,
    ) -> Result<Taken<GrantRecord>> {
        let sql = format!(
            "UPDATE grants SET code_used_at = $2, access_jti = $3, access_exp = $4 \
             WHERE code_hash = $1 AND code_used_at IS NULL AND revoked_at IS NULL \
             AND code_expires_at > $2 AND client_id = $5 \
             RETURNING {COLUMNS}"
        );
        let row: Option<GrantRow> = sqlx::query_as(&sql)
            .bind(code_hash)
            .bind(now)
            .bind(&access.0)
            .bind(access.1)
            .bind(client_id)
            .fetch_optional(self.pool())
            .await?;
        if let Some(row) = row {
            return Ok(Taken::Fresh(row.try_into()?));
        }
        let used: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM grants \
             WHERE code_hash = $1 AND client_id = $2 AND code_used_at IS NOT NULL",
        )
        .bind(code_hash)
        .bind(client_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(used.map_or(Taken::Unknown, |(id,)| Taken::Replayed(id)))
    }

    /// A grant that is neither revoked nor past its absolute end.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_live_grant(&self, id: &str, now: i64) -> Result<Option<GrantRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM grants WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2"
        );
        let row: Option<GrantRow> = sqlx::query_as(&sql)
            .bind(id)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        row.map(GrantRecord::try_from).transpose()
    }

    /// Revokes a grant and its refresh tokens; returns the access tokens it issued that may
    /// still be unexpired at `now`, for the caller to revoke.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke_grant(&self, id: &str, now: i64) -> Result<Vec<IssuedJti>> {
        sqlx::query("UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(self.pool())
            .await?;
        self.issued_under_grant(id, now).await
    }

    /// The access tokens grant `id` issued that have not expired at `now`.
    async fn issued_under_grant(&self, id: &str, now: i64) -> Result<Vec<IssuedJti>> {
        let issued: Vec<(String, i64)> = sqlx::query_as(
            "SELECT access_jti, access_exp FROM grants \
             WHERE id = $1 AND access_jti IS NOT NULL AND access_exp > $2 \
             UNION ALL \
             SELECT access_jti, access_exp FROM refresh_tokens \
             WHERE grant_id = $1 AND access_exp > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(issued)
    }

    /// Revokes every live grant of `user_id` (of one client, when given); returns how many,
    /// and the access tokens issued under them that may still be valid.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke_user_grants(
        &self,
        user_id: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Result<(usize, Vec<IssuedJti>)> {
        let ids: Vec<(String,)> = sqlx::query_as(
            "UPDATE grants SET revoked_at = $2 \
             WHERE user_id = $1 AND revoked_at IS NULL AND ($3 IS NULL OR client_id = $3) \
             RETURNING id",
        )
        .bind(user_id)
        .bind(now)
        .bind(client_id)
        .fetch_all(self.pool())
        .await?;
        let mut issued = Vec::new();
        for (id,) in &ids {
            issued.extend(self.issued_under_grant(id, now).await?);
        }
        Ok((ids.len(), issued))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> Result<()> {
        insert_refresh_token(self.pool(), token).await
    }

    /// The grant of a refresh token, used or not.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_refresh_token_grant(&self, token_hash: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Uses up the refresh token with this hash and stores its successor (if any) in one
    /// transaction: both happen, or neither.
    ///
    /// The grant must still be live when the transaction writes: its row is touched first,
    /// which on PostgreSQL locks it (and on SQLite the write lock serialises everything),
    /// so a revocation either comes before (and the rotation finds nothing) or waits and
    /// then sees the successor and its access token, which it revokes too.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rotate_refresh_token(
        &self,
        grant_id: &str,
        presented_hash: &str,
        now: i64,
        successor: Option<&RefreshTokenRecord>,
    ) -> Result<Taken<()>> {
        let mut tx = self.begin().await?;
        let live = sqlx::query(
            "UPDATE grants SET revoked_at = revoked_at \
             WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(grant_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if live.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Taken::Unknown);
        }
        let used = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(presented_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(match self.find_refresh_token_grant(presented_hash).await? {
                Some(grant_id) => Taken::Replayed(grant_id),
                None => Taken::Unknown,
            });
        }
        if let Some(token) = successor {
            insert_refresh_token(&mut *tx, token).await?;
        }
        tx.commit().await?;
        Ok(Taken::Fresh(()))
    }

    /// An unused refresh token (for introspection and revocation), whatever its grant's state.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_unused_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RefreshTokenRecord>> {
        let row: Option<RefreshRow> = sqlx::query_as(
            "SELECT token_hash, grant_id, scope, created_at, idle_expires_at, access_jti, \
             access_exp FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.map(RefreshTokenRecord::try_from).transpose()
    }

    /// Drops grants past their end (their refresh tokens go with them) and refresh tokens
    /// past their idle end; returns how many rows went.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_grants(&self, now: i64) -> Result<u64> {
        let tokens = Sweep {
            table: "refresh_tokens",
            key: "token_hash",
            condition: "idle_expires_at <= $1",
        };
        let grants = Sweep {
            table: "grants",
            key: "id",
            condition: "expires_at <= $1",
        };
        Ok(self.sweep(&tokens, &[now]).await? + self.sweep(&grants, &[now]).await?)
    }
}

/// A grant found by its code, with what became of the code and the grant.
#[derive(FromRow)]
struct PresentedCodeRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    code_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

#[derive(FromRow)]
pub(super) struct RefreshRow {
    pub(super) token_hash: String,
    pub(super) grant_id: String,
    pub(super) scope: String,
    pub(super) created_at: i64,
    pub(super) idle_expires_at: i64,
    pub(super) access_jti: String,
    pub(super) access_exp: i64,
}

impl TryFrom<RefreshRow> for RefreshTokenRecord {
    type Error = StoreError;

    fn try_from(row: RefreshRow) -> Result<Self> {
        let scope = stored_scope(&row.scope, || {
            format!("refresh token of grant {}", row.grant_id)
        })?;
        Ok(RefreshTokenRecord {
            token_hash: row.token_hash,
            grant_id: row.grant_id,
            scope,
            created_at: row.created_at,
            idle_expires_at: row.idle_expires_at,
            access_jti: row.access_jti,
            access_exp: row.access_exp,
        })
    }
}

/// Inserts a grant with `executor` (the pool, or a transaction that decides more with it).
pub(super) async fn insert_grant<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    grant: &GrantRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO grants (id, client_id, user_id, scope, claims, sid, auth_time, amr, \
         nonce, redirect_uri, code_challenge, code_hash, code_expires_at, created_at, \
         expires_at, acr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&grant.id)
    .bind(&grant.client_id)
    .bind(&grant.user_id)
    .bind(grant.scope.to_string())
    .bind(&grant.claims)
    .bind(&grant.sid)
    .bind(grant.auth_time)
    .bind(to_json_list(&grant.amr))
    .bind(&grant.nonce)
    .bind(&grant.redirect_uri)
    .bind(&grant.code_challenge)
    .bind(&grant.code_hash)
    .bind(grant.code_expires_at)
    .bind(grant.created_at)
    .bind(grant.expires_at)
    .bind(&grant.acr)
    .execute(executor)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

async fn insert_refresh_token<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token: &RefreshTokenRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, grant_id, scope, created_at, \
         idle_expires_at, access_jti, access_exp) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&token.token_hash)
    .bind(&token.grant_id)
    .bind(token.scope.to_string())
    .bind(token.created_at)
    .bind(token.idle_expires_at)
    .bind(&token.access_jti)
    .bind(token.access_exp)
    .execute(executor)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}
