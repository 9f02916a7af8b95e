//! The `signing_keys` table. At most one row is active (`active = 1`, enforced by a unique
//! column). A retired row records when it was retired; each server publishes it for as long
//! as its own tokens can live after that, and the sweep deletes it after the longest any
//! configuration allows.

use sqlx::FromRow;

use super::{Result, Store, StoreError, Sweep};

#[derive(Clone, Debug, FromRow)]
pub struct SigningKeyRecord {
    pub kid: String,
    /// PKCS#8 DER.
    pub private_key: Vec<u8>,
    pub active: Option<i64>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// Published keys: the active one, and those retired less than `retention` seconds ago.
const PUBLISHED: &str = "FROM signing_keys WHERE active = 1 OR retired_at > $1 \
                         ORDER BY active IS NULL, created_at DESC, kid";

impl Store {
    /// Inserts `key` as the active key unless one is already active. Returns whether it was
    /// inserted: when two replicas start at once, exactly one wins.
    pub async fn insert_first_signing_key(
        &self,
        kid: &str,
        pkcs8: &[u8],
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO signing_keys (kid, private_key, active, created_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(kid)
        .bind(pkcs8)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Retires the active key and makes `kid` active, in one transaction. Concurrent
    /// rotations run one after the other (SQLite) or the later one fails with
    /// [`StoreError::Conflict`] (PostgreSQL); either way one key is active.
    pub async fn rotate_signing_key(&self, kid: &str, pkcs8: &[u8], now: i64) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE signing_keys SET active = NULL, retired_at = $1 WHERE active = 1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_key, active, created_at) VALUES ($1, $2, 1, $3)",
        )
        .bind(kid)
        .bind(pkcs8)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        tx.commit().await?;
        Ok(())
    }

    /// Keys whose public half belongs in the JWKS at `now` for a server whose tokens live up
    /// to `retention` seconds: the active one first, then retired ones newest first.
    pub async fn list_published_signing_keys(
        &self,
        now: i64,
        retention: i64,
    ) -> Result<Vec<SigningKeyRecord>> {
        let sql = format!("SELECT kid, private_key, active, created_at, retired_at {PUBLISHED}");
        let rows = sqlx::query_as(&sql)
            .bind(now - retention)
            .fetch_all(self.pool())
            .await?;
        Ok(rows)
    }

    /// A cheap fingerprint of the published key set (its kids, in order), so replicas notice a
    /// rotation without reading private keys.
    pub async fn signing_keys_version(&self, now: i64, retention: i64) -> Result<String> {
        let sql = format!("SELECT kid {PUBLISHED}");
        let kids: Vec<String> = sqlx::query_scalar(&sql)
            .bind(now - retention)
            .fetch_all(self.pool())
            .await?;
        Ok(kids.join(" "))
    }

    /// Deletes keys retired before `retired_before`.
    pub async fn delete_expired_signing_keys(&self, retired_before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "signing_keys",
            key: "kid",
            condition: "active IS NULL AND retired_at < $1",
        };
        self.sweep(&sweep, &[retired_before]).await
    }
}
