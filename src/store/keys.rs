//! The `signing_keys` table. Rotation has two phases: a new key is inserted with the time it
//! starts signing (`activates_at`) and published at once; the key it replaces is retired at
//! that same moment. Which key signs at a given time is therefore read from stored times, so
//! every replica agrees. At most one row carries `active = 1` (a unique column): the newest
//! key, signing or about to. A revoked key (`revoked_at`) is neither published nor used. A
//! retired row is published for as long as its tokens can live after it stopped signing,
//! and swept after the longest any configuration allows. Private keys are sealed at rest
//! ([`super::sealed`]).

use sqlx::FromRow;

use super::sealed::context;
use super::{Result, Store, StoreError, Sweep};

#[derive(Clone, Debug, FromRow)]
pub struct SigningKeyRecord {
    pub kid: String,
    /// PKCS#8 DER (sealed in the database, plain here).
    pub private_key: Vec<u8>,
    pub active: Option<i64>,
    pub created_at: i64,
    /// When it starts (or started) signing.
    pub activates_at: i64,
    /// When it stops (or stopped) signing: its successor's `activates_at`.
    pub retired_at: Option<i64>,
}

impl SigningKeyRecord {
    /// Whether this key is the one to sign with at `now`, among the published ones: the
    /// latest activated that is not yet retired.
    pub fn signs_at(&self, now: i64) -> bool {
        self.activates_at <= now && self.retired_at.is_none_or(|retired| retired > now)
    }
}

/// What revoking a key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// No published key has that kid.
    Unknown,
    /// It was not signing; the signing key is unchanged.
    Withdrawn,
    /// It was signing: the key waiting for its turn, named, signs from now on.
    NextActivated(String),
    /// It was signing and none was waiting: the spare key given signs from now on.
    SpareActivated(String),
}

const COLUMNS: &str = "kid, private_key, active, created_at, activates_at, retired_at";

/// Published keys: those not revoked that sign, will sign, or retired less than
/// `retention` seconds ago; the latest to sign first.
const PUBLISHED: &str = "FROM signing_keys WHERE revoked_at IS NULL \
                         AND (active = 1 OR retired_at > $1) \
                         ORDER BY activates_at DESC, kid";

/// A key that signs at `$1`.
const SIGNING_AT: &str = "revoked_at IS NULL AND activates_at <= $1 \
                          AND (retired_at IS NULL OR retired_at > $1)";

impl Store {
    fn sealed_key(&self, kid: &str, pkcs8: &[u8]) -> Result<Vec<u8>> {
        self.seal_bytes(&context("signing_keys", "private_key", kid), pkcs8)
    }

    /// Inserts `key` as the active key, signing from `now`, unless one is already active.
    /// Returns whether it was inserted: when two replicas start at once, exactly one wins.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_first_signing_key(
        &self,
        kid: &str,
        pkcs8: &[u8],
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO signing_keys (kid, private_key, active, created_at, activates_at) \
             VALUES ($1, $2, 1, $3, $3) ON CONFLICT DO NOTHING",
        )
        .bind(kid)
        .bind(self.sealed_key(kid, pkcs8)?)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Inserts `kid` as the newest key, signing from `activates_at`, and retires the key it
    /// follows at that moment, in one transaction; returns when it signs. When no key signs
    /// at `now` (a new database), there is nobody to wait for: it signs from `now`.
    /// Concurrent rotations run one after the other (SQLite) or the later one fails with
    /// [`StoreError::Conflict`] (PostgreSQL).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rotate_signing_key(
        &self,
        kid: &str,
        pkcs8: &[u8],
        now: i64,
        activates_at: i64,
    ) -> Result<i64> {
        let sealed = self.sealed_key(kid, pkcs8)?;
        let mut tx = self.begin().await?;
        let activates_at = match any_signing_at(&mut tx, now).await? {
            true => activates_at,
            false => now,
        };
        sqlx::query("UPDATE signing_keys SET active = NULL, retired_at = $1 WHERE active = 1")
            .bind(activates_at)
            .execute(&mut *tx)
            .await?;
        insert_newest_key(&mut tx, kid, sealed, now, activates_at).await?;
        tx.commit().await?;
        Ok(activates_at)
    }

    /// Withdraws `kid` at `now`: never published or used again. If it was the signing key,
    /// the next key waiting for its turn signs from `now`, or, when none waits, `spare`
    /// (kid, PKCS#8) is inserted to sign from `now`. If it was waiting for its turn, the key
    /// it would have replaced keeps signing. One transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke_signing_key(
        &self,
        kid: &str,
        now: i64,
        spare: (&str, &[u8]),
    ) -> Result<Revoked> {
        let sealed_spare = self.sealed_key(spare.0, spare.1)?;
        let mut tx = self.begin().await?;
        let found: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT activates_at, active FROM signing_keys WHERE kid = $1 AND revoked_at IS NULL",
        )
        .bind(kid)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((activates_at, active)) = found else {
            return Ok(Revoked::Unknown);
        };
        sqlx::query(
            "UPDATE signing_keys SET revoked_at = $2, active = NULL, \
             retired_at = COALESCE(retired_at, $2) WHERE kid = $1",
        )
        .bind(kid)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if activates_at > now && active.is_some() {
            // It was waiting: the key it was to replace stays the newest and keeps signing.
            sqlx::query(
                "UPDATE signing_keys SET active = 1, retired_at = NULL \
                 WHERE revoked_at IS NULL AND retired_at = $1",
            )
            .bind(activates_at)
            .execute(&mut *tx)
            .await?;
        }
        let outcome = match any_signing_at(&mut tx, now).await? {
            true => Revoked::Withdrawn,
            false => {
                self.activate_successor(&mut tx, now, spare.0, sealed_spare)
                    .await?
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Makes the next waiting key sign from `now`, or inserts the spare to.
    async fn activate_successor(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        now: i64,
        spare_kid: &str,
        sealed_spare: Vec<u8>,
    ) -> Result<Revoked> {
        let next: Option<(String,)> = sqlx::query_as(
            "SELECT kid FROM signing_keys WHERE revoked_at IS NULL AND activates_at > $1 \
             ORDER BY activates_at, kid LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((next,)) = next {
            sqlx::query("UPDATE signing_keys SET activates_at = $2 WHERE kid = $1")
                .bind(&next)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            return Ok(Revoked::NextActivated(next));
        }
        insert_newest_key(tx, spare_kid, sealed_spare, now, now).await?;
        Ok(Revoked::SpareActivated(spare_kid.to_string()))
    }

    /// Keys whose public half belongs in the JWKS at `now` for a server whose tokens live up
    /// to `retention` seconds, with their private halves opened.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_published_signing_keys(
        &self,
        now: i64,
        retention: i64,
    ) -> Result<Vec<SigningKeyRecord>> {
        let sql = format!("SELECT {COLUMNS} {PUBLISHED}");
        let rows: Vec<SigningKeyRecord> = sqlx::query_as(&sql)
            .bind(now - retention)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|mut row| {
                let context = context("signing_keys", "private_key", &row.kid);
                row.private_key = self.open_bytes(&context, row.private_key)?;
                Ok(row)
            })
            .collect()
    }

    /// A cheap fingerprint of the published key set (its kids and activation times, in
    /// order), so replicas notice a rotation or a revocation without reading private keys.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn signing_keys_version(&self, now: i64, retention: i64) -> Result<String> {
        let sql = format!("SELECT kid, activates_at {PUBLISHED}");
        let kids: Vec<(String, i64)> = sqlx::query_as(&sql)
            .bind(now - retention)
            .fetch_all(self.pool())
            .await?;
        Ok(version(kids.iter().map(|(kid, at)| (kid.as_str(), *at))))
    }

    /// Deletes keys retired before `retired_before`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_signing_keys(&self, retired_before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "signing_keys",
            key: "kid",
            condition: "active IS NULL AND retired_at < $1",
        };
        self.sweep(&sweep, &[retired_before]).await
    }
}

/// Inserts `kid` (sealed) as the newest key, the one `active = 1` marks.
async fn insert_newest_key(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kid: &str,
    sealed: Vec<u8>,
    now: i64,
    activates_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, private_key, active, created_at, activates_at) \
         VALUES ($1, $2, 1, $3, $4)",
    )
    .bind(kid)
    .bind(sealed)
    .bind(now)
    .bind(activates_at)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

/// Whether some key signs at `now`.
async fn any_signing_at(tx: &mut sqlx::Transaction<'_, sqlx::Any>, now: i64) -> Result<bool> {
    let sql = format!("SELECT COUNT(*) FROM signing_keys WHERE {SIGNING_AT}");
    let (signing,): (i64,) = sqlx::query_as(&sql).bind(now).fetch_one(&mut **tx).await?;
    Ok(signing > 0)
}

/// The fingerprint [`Store::signing_keys_version`] gives, from (kid, activates_at) pairs.
pub fn version<'a>(keys: impl Iterator<Item = (&'a str, i64)>) -> String {
    keys.map(|(kid, at)| format!("{kid}@{at}"))
        .collect::<Vec<_>>()
        .join(" ")
}
