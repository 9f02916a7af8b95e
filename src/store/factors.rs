//! Second factors: the `totp_factors`, `recovery_codes` and `passkeys` tables. A TOTP
//! secret is sealed at rest ([`super::sealed`]): whoever holds it makes valid codes.

use sqlx::{AnyConnection, FromRow};

use super::sealed::context;
use super::{Result, Store, StoreError};

/// A person's authenticator app (RFC 6238).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct TotpRecord {
    pub user_id: String,
    /// Base32 (RFC 4648, no padding); sealed in the database, plain here.
    pub secret: String,
    /// `None` while the enrolment waits for its first code.
    pub confirmed_at: Option<i64>,
    /// The last time step whose code was accepted.
    pub last_step: i64,
    pub created_at: i64,
}

/// A registered passkey; `credential` is webauthn-rs's JSON, opaque here.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct PasskeyRecord {
    pub credential_id: String,
    pub user_id: String,
    pub name: String,
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Store {
    /// Starts (or restarts) an enrolment: an unconfirmed secret. A confirmed factor is never
    /// replaced this way; [`StoreError::Conflict`] then.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn upsert_pending_totp(&self, user_id: &str, secret: &str, now: i64) -> Result<()> {
        let sealed = self.seal_text(&context("totp_factors", "secret", user_id), secret)?;
        let done = sqlx::query(
            "INSERT INTO totp_factors (user_id, secret, confirmed_at, last_step, created_at) \
             VALUES ($1, $2, NULL, 0, $3) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
             created_at = excluded.created_at, last_step = 0 \
             WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(sealed)
        .bind(now)
        .execute(self.pool())
        .await?;
        match done.rows_affected() {
            0 => Err(StoreError::Conflict),
            _ => Ok(()),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_totp(&self, user_id: &str) -> Result<Option<TotpRecord>> {
        let row: Option<TotpRecord> = sqlx::query_as(
            "SELECT user_id, secret, confirmed_at, last_step, created_at FROM totp_factors \
             WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|mut record| {
            let context = context("totp_factors", "secret", &record.user_id);
            record.secret = self.open_text(&context, record.secret)?;
            Ok(record)
        })
        .transpose()
    }

    /// Accepts the code of time step `step` once: true if no code of this step or a later
    /// one was accepted before (RFC 6238 §5.2). Confirms a pending enrolment when `confirm`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_totp_step(
        &self,
        user_id: &str,
        step: i64,
        confirm: bool,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.pool().acquire().await?;
        take_totp_step(&mut conn, user_id, step, confirm, now).await
    }

    /// Removes the authenticator app and the recovery codes that came with it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_totp(&self, user_id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the person's recovery codes with new ones (given as hashes).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn replace_recovery_codes(
        &self,
        user_id: &str,
        hashes: &[String],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for hash in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Uses up a recovery code: true if it was there and unused.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_recovery_code(&self, user_id: &str, hash: &str, now: i64) -> Result<bool> {
        let mut conn = self.pool().acquire().await?;
        take_recovery_code(&mut conn, user_id, hash, now).await
    }

    /// How many recovery codes are left unused.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_recovery_codes(&self, user_id: &str) -> Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(count)
    }

    /// How many second factors `user_id` has: (confirmed TOTP, unused recovery codes,
    /// passkeys), in one round trip.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn count_factors(&self, user_id: &str) -> Result<(i64, i64, i64)> {
        let counts: (i64, i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL), \
             (SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL), \
             (SELECT COUNT(*) FROM passkeys WHERE user_id = $1)",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(counts)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_passkey(&self, passkey: &PasskeyRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO passkeys (credential_id, user_id, name, credential, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&passkey.credential_id)
        .bind(&passkey.user_id)
        .bind(&passkey.name)
        .bind(&passkey.credential)
        .bind(passkey.created_at)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_passkeys(&self, user_id: &str) -> Result<Vec<PasskeyRecord>> {
        let rows = sqlx::query_as(
            "SELECT credential_id, user_id, name, credential, created_at, last_used_at \
             FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_passkey(&self, credential_id: &str) -> Result<Option<PasskeyRecord>> {
        let row = sqlx::query_as(
            "SELECT credential_id, user_id, name, credential, created_at, last_used_at \
             FROM passkeys WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// Removes one of `user_id`'s passkeys; false if they have none with that id.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_passkey(&self, user_id: &str, credential_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2")
            .bind(user_id)
            .bind(credential_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes one of `user_id`'s passkeys while another way in remains (a password, a
    /// confirmed address for codes by mail, a linked provider, another passkey); false if
    /// it did not. The person's row is taken first, as removing the password and unlinking a
    /// provider do, so that two such changes at once each see what the other left.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_passkey_leaving_a_way_in(
        &self,
        user_id: &str,
        credential_id: &str,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        super::users::take_user_row(&mut tx, user_id).await?;
        let done = sqlx::query(
            "DELETE FROM passkeys WHERE user_id = $1 AND credential_id = $2 \
             AND (EXISTS (SELECT 1 FROM users WHERE id = $1 \
                          AND (password_hash IS NOT NULL OR email_verified <> 0)) \
             OR EXISTS (SELECT 1 FROM upstream_links WHERE user_id = $1) \
             OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1 AND credential_id <> $2))",
        )
        .bind(user_id)
        .bind(credential_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

/// [`Store::take_totp_step`] on a connection the caller holds (a transaction).
pub(super) async fn take_totp_step(
    conn: &mut AnyConnection,
    user_id: &str,
    step: i64,
    confirm: bool,
    now: i64,
) -> Result<bool> {
    let query = match confirm {
        true => sqlx::query(
            "UPDATE totp_factors SET last_step = $2, confirmed_at = $3 \
             WHERE user_id = $1 AND last_step < $2 AND confirmed_at IS NULL",
        )
        .bind(user_id)
        .bind(step)
        .bind(now),
        false => sqlx::query(
            "UPDATE totp_factors SET last_step = $2 \
             WHERE user_id = $1 AND last_step < $2 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .bind(step),
    };
    let done = query.execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// [`Store::take_recovery_code`] on a connection the caller holds (a transaction).
pub(super) async fn take_recovery_code(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a passkey's credential as updated by a sign-in (its signature counter), in the
/// sign-in's transaction.
pub(super) async fn update_passkey_use(
    conn: &mut AnyConnection,
    credential_id: &str,
    credential: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE passkeys SET credential = $2, last_used_at = $3 WHERE credential_id = $1")
        .bind(credential_id)
        .bind(credential)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
