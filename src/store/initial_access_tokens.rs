//! The `initial_access_tokens` table: what a vendor presents to register a client
//! (RFC 7591 §3). Stored only as hashes; each is good for a number of registrations until
//! it expires. They are spent in [`Store::insert_client_with_initial_token`].

use sqlx::FromRow;

use super::{Result, Store, Sweep};

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
    /// The farm whose apps it registers (they belong to the farm); `None`: no farm's.
    pub farm_id: Option<String>,
}

/// What became of a farm's registration token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FarmTokenOutcome {
    Issued,
    /// The farm is not active (or not there): it registers no apps.
    FarmNotActive,
    /// The farm's apps and the registrations its open tokens still allow would pass the
    /// quota.
    OverQuota,
}

const COLUMNS: &str = "token_hash, issued_by, vendor, uses_left, created_at, expires_at, farm_id";

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_initial_access_token(
        &self,
        token: &InitialAccessTokenRecord,
    ) -> Result<()> {
        insert(token).execute(self.pool()).await?;
        Ok(())
    }

    /// Stores `token` for the farm it names (`token.farm_id`) if the farm is active and its apps, plus the
    /// registrations its usable tokens still allow, plus this token's, stay within `quota`.
    /// One transaction that first touches the farm's row, so that (on PostgreSQL, where
    /// writers do not queue for the whole database as on SQLite) two issuers for one farm
    /// take turns and cannot both squeeze under the quota.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_farm_initial_access_token(
        &self,
        token: &InitialAccessTokenRecord,
        farm_id: &str,
        quota: i64,
    ) -> Result<FarmTokenOutcome> {
        debug_assert_eq!(token.farm_id.as_deref(), Some(farm_id));
        let mut tx = self.begin().await?;
        let active = sqlx::query(
            "UPDATE farms SET updated_at = updated_at WHERE id = $1 AND status = 'active'",
        )
        .bind(farm_id)
        .execute(&mut *tx)
        .await?;
        if active.rows_affected() != 1 {
            return Ok(FarmTokenOutcome::FarmNotActive);
        }
        // One statement, so one snapshot: a registration committing meanwhile (a use spent,
        // an app added) is seen whole or not at all, even under READ COMMITTED.
        let (taken,): (i64,) = sqlx::query_as(
            "SELECT CAST((SELECT COUNT(*) FROM clients WHERE farm_id = $1) \
             + (SELECT COALESCE(SUM(uses_left), 0) FROM initial_access_tokens \
                WHERE farm_id = $1 AND uses_left > 0 AND expires_at > $2) AS BIGINT)",
        )
        .bind(farm_id)
        .bind(token.created_at)
        .fetch_one(&mut *tx)
        .await?;
        if taken + token.uses_left > quota {
            return Ok(FarmTokenOutcome::OverQuota);
        }
        insert(token).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(FarmTokenOutcome::Issued)
    }

    /// The token with this hash, if it can still register a client at `now`.
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_initial_access_token(&self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM initial_access_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Drops tokens that expired or were used up before `now`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_spent_initial_access_tokens(&self, now: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "initial_access_tokens",
            key: "token_hash",
            condition: "expires_at <= $1 OR uses_left <= 0",
        };
        self.sweep(&sweep, &[now]).await
    }
}

const INSERT: &str = "INSERT INTO initial_access_tokens (token_hash, issued_by, vendor, \
                      uses_left, created_at, expires_at, farm_id) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";

fn insert(
    token: &InitialAccessTokenRecord,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(INSERT)
        .bind(&token.token_hash)
        .bind(&token.issued_by)
        .bind(&token.vendor)
        .bind(token.uses_left)
        .bind(token.created_at)
        .bind(token.expires_at)
        .bind(&token.farm_id)
}
