//! The `device_authorizations` table (RFC 8628): a device's request, found by the hash of
//! its device code (the polling client) or by its normalised user code (the person at
//! `/device`). Every decision that replicas must agree on is one conditional statement:
//! a poll and its slow-down in one `UPDATE … RETURNING`, an approval or denial only while
//! pending and unexpired (the approval's grant in the same transaction).

use sqlx::FromRow;

use super::grants::{GrantRecord, insert_grant};
use super::{Result, Store, StoreError, Sweep, stored_scope};
use crate::domain::{DeviceStatus, Scope};

/// One device authorization request, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuthorizationRecord {
    pub device_code_hash: String,
    /// Normalised: the 8 letters, no separator.
    pub user_code: String,
    pub client_id: String,
    pub scope: Scope,
    pub created_at: i64,
    pub expires_at: i64,
    pub interval_secs: i64,
    pub last_polled_at: Option<i64>,
    pub slowed_at: Option<i64>,
    pub status: DeviceStatus,
    pub user_id: Option<String>,
    pub decided_at: Option<i64>,
}

#[derive(FromRow)]
struct DeviceAuthorizationRow {
    device_code_hash: String,
    user_code: String,
    client_id: String,
    scope: String,
    created_at: i64,
    expires_at: i64,
    interval_secs: i64,
    last_polled_at: Option<i64>,
    slowed_at: Option<i64>,
    status: String,
    user_id: Option<String>,
    decided_at: Option<i64>,
}

impl TryFrom<DeviceAuthorizationRow> for DeviceAuthorizationRecord {
    type Error = StoreError;

    fn try_from(row: DeviceAuthorizationRow) -> Result<Self> {
        // Named by a prefix of the device code's hash: the user code is a live credential,
        // and this text reaches the log.
        let whose = || {
            let prefix = row.device_code_hash.get(..12).unwrap_or_default();
            format!("device authorization {prefix}…")
        };
        let scope = stored_scope(&row.scope, whose)?;
        let status = DeviceStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("{} status", whose())))?;
        Ok(DeviceAuthorizationRecord {
            device_code_hash: row.device_code_hash,
            user_code: row.user_code,
            client_id: row.client_id,
            scope,
            created_at: row.created_at,
            expires_at: row.expires_at,
            interval_secs: row.interval_secs,
            last_polled_at: row.last_polled_at,
            slowed_at: row.slowed_at,
            status,
            user_id: row.user_id,
            decided_at: row.decided_at,
        })
    }
}

const COLUMNS: &str = "device_code_hash, user_code, client_id, scope, created_at, expires_at, \
                       interval_secs, last_polled_at, slowed_at, status, user_id, decided_at";

/// A person's decision on a pending request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Denied,
}

impl Decision {
    /// The status a request has once decided so.
    pub fn status(self) -> DeviceStatus {
        match self {
            Decision::Approved => DeviceStatus::Approved,
            Decision::Denied => DeviceStatus::Denied,
        }
    }
}

impl Store {
    /// Stores a new request from `address` unless that address already has
    /// `per_address` pending, unexpired requests, or the client `per_client` (false then,
    /// nothing stored); [`StoreError::Conflict`] when its user code is taken already. The
    /// counts and the insert are one statement; replicas inserting at the same moment can
    /// overshoot a cap by the few requests in flight, never more.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_device_authorization(
        &self,
        record: &DeviceAuthorizationRecord,
        address: Option<&str>,
        per_address: i64,
        per_client: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO device_authorizations (device_code_hash, user_code, client_id, scope, \
             created_at, expires_at, interval_secs, status, client_address) \
             SELECT $1, $2, $3, $4, $5, $6, $7, 'pending', $8 \
             WHERE ($8 IS NULL OR (SELECT COUNT(*) FROM device_authorizations \
                 WHERE client_address = $8 AND expires_at > $5 AND status = 'pending') < $9) \
             AND (SELECT COUNT(*) FROM device_authorizations \
                 WHERE client_id = $3 AND expires_at > $5 AND status = 'pending') < $10",
        )
        .bind(&record.device_code_hash)
        .bind(&record.user_code)
        .bind(&record.client_id)
        .bind(record.scope.to_string())
        .bind(record.created_at)
        .bind(record.expires_at)
        .bind(record.interval_secs)
        .bind(address)
        .bind(per_address)
        .bind(per_client)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(done.rows_affected() == 1)
    }

    /// The request with this (normalised) user code, if it is still waiting for a decision
    /// and unexpired at `now`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_pending_device_authorization(
        &self,
        user_code: &str,
        now: i64,
    ) -> Result<Option<DeviceAuthorizationRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM device_authorizations \
             WHERE user_code = $1 AND status = 'pending' AND expires_at > $2"
        );
        let row: Option<DeviceAuthorizationRow> = sqlx::query_as(&sql)
            .bind(user_code)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        row.map(DeviceAuthorizationRecord::try_from).transpose()
    }

    /// Records a poll by `client_id` at `now` and returns the request as it stands after it.
    /// RFC 8628 §3.5: a poll of a pending request sooner than `interval_secs` after the
    /// previous one raises the interval by `step` and sets `slowed_at` to `now`; decided in
    /// this one statement, so replicas polled at once agree. `None`: no such device code for
    /// this client.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn poll_device_authorization(
        &self,
        device_code_hash: &str,
        client_id: &str,
        now: i64,
        step: i64,
    ) -> Result<Option<DeviceAuthorizationRecord>> {
        let sql = format!(
            "UPDATE device_authorizations SET \
             interval_secs = CASE WHEN status = 'pending' AND last_polled_at IS NOT NULL \
               AND last_polled_at > $3 - interval_secs THEN interval_secs + $4 \
               ELSE interval_secs END, \
             slowed_at = CASE WHEN status = 'pending' AND last_polled_at IS NOT NULL \
               AND last_polled_at > $3 - interval_secs THEN $3 ELSE slowed_at END, \
             last_polled_at = $3 \
             WHERE device_code_hash = $1 AND client_id = $2 \
             RETURNING {COLUMNS}"
        );
        let row: Option<DeviceAuthorizationRow> = sqlx::query_as(&sql)
            .bind(device_code_hash)
            .bind(client_id)
            .bind(now)
            .bind(step)
            .fetch_optional(self.pool())
            .await?;
        row.map(DeviceAuthorizationRecord::try_from).transpose()
    }

    /// Decides a request for `user_id`, only while it is pending and unexpired at `now`; an
    /// approval stores `grant` (whose code hash is the device code's) in the same
    /// transaction, so a poll sees both or neither. False: it was decided already, or
    /// expired, and nothing changed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn decide_device_authorization(
        &self,
        device_code_hash: &str,
        user_id: &str,
        decision: Decision,
        now: i64,
        grant: Option<&GrantRecord>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let decided = sqlx::query(
            "UPDATE device_authorizations SET status = $3, user_id = $2, decided_at = $4 \
             WHERE device_code_hash = $1 AND status = 'pending' AND expires_at > $4",
        )
        .bind(device_code_hash)
        .bind(user_id)
        .bind(decision.status().as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if decided.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(grant) = grant.filter(|_| decision == Decision::Approved) {
            insert_grant(&mut *tx, grant).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Drops requests that expired before `before`; returns how many went.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_device_authorizations(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "device_authorizations",
            key: "device_code_hash",
            condition: "expires_at <= $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}
