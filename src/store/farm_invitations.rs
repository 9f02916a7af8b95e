//! The `farm_invitations` table: an invitation mailed to an address, to join a farm with a
//! role. Only the SHA-256 of its token is kept; it is used once, inside the transaction that
//! makes the person a member.

use sqlx::FromRow;

use super::farms::FarmRecord;
use super::{Result, Store, StoreError, Sweep};
use crate::domain::FarmRole;

/// An invitation as stored (never its token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: String,
    pub farm_id: String,
    /// The invited address, lower-cased.
    pub email: String,
    pub role: FarmRole,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(FromRow)]
struct InvitationRow {
    id: String,
    farm_id: String,
    email_normalized: String,
    role: String,
    invited_by: Option<String>,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<InvitationRow> for InvitationRecord {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> Result<Self> {
        let role = FarmRole::parse(&row.role)
            .ok_or_else(|| StoreError::Corrupt(format!("invitation {} role", row.id)))?;
        Ok(InvitationRecord {
            id: row.id,
            farm_id: row.farm_id,
            email: row.email_normalized,
            role,
            invited_by: row.invited_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

const COLUMNS: &str = "farm_invitations.id, farm_invitations.farm_id, \
     farm_invitations.email_normalized, farm_invitations.role, farm_invitations.invited_by, \
     farm_invitations.created_at, farm_invitations.expires_at";

/// How an invitation's acceptance went.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// The person is a member now; the invitation is used.
    Joined(InvitationRecord),
    /// They were a member already; the invitation is left as it was.
    AlreadyMember,
    /// Unknown, used, expired, or for another address: one answer.
    Invalid,
}

impl Store {
    /// Stores `invitation` (token hash `token_hash`), replacing any open invitation of the
    /// same farm to the same address; false, storing nothing, when the farm has `max_open`
    /// open invitations already.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_invitation(
        &self,
        invitation: &InvitationRecord,
        token_hash: &str,
        max_open: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        // The farm's row first: two invitations sent at once are counted one after the other.
        sqlx::query("UPDATE farms SET updated_at = updated_at WHERE id = $1")
            .bind(&invitation.farm_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM farm_invitations WHERE farm_id = $1 AND email_normalized = $2 \
             AND accepted_at IS NULL",
        )
        .bind(&invitation.farm_id)
        .bind(&invitation.email)
        .execute(&mut *tx)
        .await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM farm_invitations WHERE farm_id = $1 \
             AND accepted_at IS NULL AND expires_at > $2",
        )
        .bind(&invitation.farm_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if open >= max_open {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO farm_invitations (id, token_hash, farm_id, email_normalized, role, \
             invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&invitation.id)
        .bind(token_hash)
        .bind(&invitation.farm_id)
        .bind(&invitation.email)
        .bind(invitation.role.as_str())
        .bind(&invitation.invited_by)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        tx.commit().await?;
        Ok(true)
    }

    /// The open (unused, unexpired) invitation with token hash `token_hash`, with its farm.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_open_invitation(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(InvitationRecord, FarmRecord)>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM farm_invitations WHERE token_hash = $1 \
             AND accepted_at IS NULL AND expires_at > $2"
        );
        let row: Option<InvitationRow> = sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        let Some(invitation) = row.map(InvitationRecord::try_from).transpose()? else {
            return Ok(None);
        };
        let farm = self.find_farm(&invitation.farm_id).await?;
        Ok(farm.map(|farm| (invitation, farm)))
    }

    /// The farm's open invitations, newest first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn open_invitations(&self, farm_id: &str, now: i64) -> Result<Vec<InvitationRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM farm_invitations WHERE farm_id = $1 \
             AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id"
        );
        let rows: Vec<InvitationRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .bind(now)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(InvitationRecord::try_from).collect()
    }

    /// Withdraws the farm's open invitation `id`: the invitation, if there was one.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_open_invitation(
        &self,
        farm_id: &str,
        id: &str,
    ) -> Result<Option<InvitationRecord>> {
        let sql = format!(
            "DELETE FROM farm_invitations WHERE farm_id = $1 AND id = $2 \
             AND accepted_at IS NULL RETURNING {COLUMNS}"
        );
        let row: Option<InvitationRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(InvitationRecord::try_from).transpose()
    }

    /// Uses the invitation with token hash `token_hash` for `user_id`, whose confirmed
    /// address is `email`, and makes them a member, in one transaction: the invitation is
    /// taken by one conditional UPDATE (unused, unexpired, for this address), so it works
    /// once however many times it is sent.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        user_id: &str,
        email: &str,
        now: i64,
    ) -> Result<Accepted> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE farm_invitations SET accepted_at = $4, accepted_by = $3 \
             WHERE token_hash = $1 AND email_normalized = $2 AND accepted_at IS NULL \
             AND expires_at > $4 RETURNING {COLUMNS}"
        );
        let row: Option<InvitationRow> = sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(email.to_lowercase())
            .bind(user_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(invitation) = row.map(InvitationRecord::try_from).transpose()? else {
            tx.rollback().await?;
            return Ok(Accepted::Invalid);
        };
        let joined = sqlx::query(
            "INSERT INTO farm_members (farm_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (farm_id, user_id) DO NOTHING",
        )
        .bind(&invitation.farm_id)
        .bind(user_id)
        .bind(invitation.role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if joined.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Accepted::AlreadyMember);
        }
        tx.commit().await?;
        Ok(Accepted::Joined(invitation))
    }

    /// Deletes invitations that expired or were used before `before`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_expired_invitations(&self, before: i64) -> Result<u64> {
        let sweep = Sweep {
            table: "farm_invitations",
            key: "id",
            condition: "expires_at < $1 OR accepted_at < $1",
        };
        self.sweep(&sweep, &[before]).await
    }
}
