//! What a person changes on their own account row: the display name, the e-mail address
//! (after a mailed confirmation, or back by the undo link), and the account itself, deleted
//! with its security trail kept under a pseudonym (decision 119).

use super::{Result, Store, StoreError};

/// Why an account was not deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// The person is the last owner of these farms (active or suspended), by name.
    LastOwnerOf(Vec<String>),
    /// There was no such account (deleted meanwhile).
    NoSuchUser,
}

/// Farms (not pending) in which `$1` is an owner and nobody else is.
const SOLE_OWNER_OF: &str = "SELECT farms.name FROM farm_members \
     JOIN farms ON farms.id = farm_members.farm_id \
     WHERE farm_members.user_id = $1 AND farm_members.role = 'owner' \
     AND farms.status <> 'pending' \
     AND NOT EXISTS (SELECT 1 FROM farm_members AS other WHERE other.farm_id = farms.id \
         AND other.role = 'owner' AND other.user_id <> $1) \
     ORDER BY farms.name";

impl Store {
    /// Sets (or with `None` clears) the display name; false if no such user.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_display_name(
        &self,
        user_id: &str,
        name: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET display_name = $2, updated_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(name)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets the user's address, confirmed (it was proved by a link mailed to it); false if
    /// no such user, [`StoreError::Conflict`] if another account has it (ignoring case).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_confirmed_email(&self, user_id: &str, email: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET email = $2, email_normalized = $3, email_verified = 1, \
             updated_at = $4 WHERE id = $1",
        )
        .bind(user_id)
        .bind(email)
        .bind(email.to_lowercase())
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(done.rows_affected() == 1)
    }

    /// The names of the farms (not pending) of which `user_id` is the only owner.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn farms_solely_owned_by(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(SOLE_OWNER_OF)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// Deletes `user_id`'s account in one transaction, unless they are the last owner of a
    /// farm that is not pending (checked again inside it, so a co-owner leaving meanwhile
    /// cannot leave a farm without owner): the pending farms only they own go with it, what
    /// hangs off the account goes by the foreign keys, and the rows of the trail about them
    /// or by them (as an administrator, or acting for a farm) stay with `pseudonym` in place
    /// of their id, no username, and `pseudonym` in place of their username and address in
    /// the details.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_account(
        &self,
        user_id: &str,
        pseudonym: &str,
        names: (&str, &str),
    ) -> Result<Deletion> {
        let mut tx = self.begin().await?;
        if !super::users::take_user_row(&mut tx, user_id).await? {
            return Ok(Deletion::NoSuchUser);
        }
        let farms: Vec<String> = sqlx::query_scalar(SOLE_OWNER_OF)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
        if !farms.is_empty() {
            return Ok(Deletion::LastOwnerOf(farms));
        }
        sqlx::query(
            "DELETE FROM farms WHERE status = 'pending' AND id IN (SELECT farm_id \
             FROM farm_members WHERE user_id = $1 AND role = 'owner') \
             AND NOT EXISTS (SELECT 1 FROM farm_members AS other WHERE other.farm_id = farms.id \
                 AND other.role = 'owner' AND other.user_id <> $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let (username, email) = names;
        // The address first: it holds the username. Both by index (user_id; actor_id,
        // migration 15).
        for sql in [
            "UPDATE audit_events SET user_id = $2, username = NULL, \
             detail = REPLACE(REPLACE(detail, $3, $2), $4, $2) WHERE user_id = $1",
            "UPDATE audit_events SET actor_id = $2, \
             detail = REPLACE(REPLACE(detail, $3, $2), $4, $2) WHERE actor_id = $1",
        ] {
            sqlx::query(sql)
                .bind(user_id)
                .bind(pseudonym)
                .bind(email)
                .bind(username)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Deletion::Deleted)
    }
}
