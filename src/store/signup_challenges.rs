//! The `instance_secrets` table (secrets every replica shares, made once) and the
//! `spent_challenges` table (sign-up challenges already used, until they expire).

use super::sealed::context;
use super::{Result, Store};

impl Store {
    /// The shared secret named `name`: the one on record, or `fresh` stored now if there is
    /// none. Two replicas racing both get the one that was stored first. Sealed at rest like
    /// every secret column ([`super::sealed`]): it signs the sign-up challenges.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_or_insert_instance_secret(
        &self,
        name: &str,
        fresh: &str,
        now: i64,
    ) -> Result<String> {
        let context = context("instance_secrets", "secret", name);
        sqlx::query(
            "INSERT INTO instance_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(self.seal_text(&context, fresh)?)
        .bind(now)
        .execute(self.pool())
        .await?;
        let (secret,): (String,) =
            sqlx::query_as("SELECT secret FROM instance_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(self.pool())
                .await?;
        self.open_text(&context, secret)
    }

    /// Records a challenge as used: true the first time, false when it was used already.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn spend_challenge(&self, nonce: &str, expires_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO spent_challenges (nonce, expires_at) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO NOTHING",
        )
        .bind(nonce)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets used challenges that have expired: they would be refused as expired anyway.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_challenges(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM spent_challenges WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
