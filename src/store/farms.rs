//! The `farms` and `farm_members` tables: seller companies and the people who work for
//! them, one farm role each.

use sqlx::FromRow;

use super::users::{UserRecord, insert_user_row};
use super::{Result, Store, StoreError};
use crate::domain::{FarmClaim, FarmName, FarmRole, FarmStatus};

/// A farm as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FarmRecord {
    pub id: String,
    pub name: FarmName,
    pub status: FarmStatus,
    /// Why an administrator suspended it.
    pub status_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
pub(super) struct FarmRow {
    id: String,
    name: String,
    status: String,
    status_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<FarmRow> for FarmRecord {
    type Error = StoreError;

    fn try_from(row: FarmRow) -> Result<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("farm {}: {what}", row.id));
        let name = FarmName::parse(&row.name).map_err(|_| corrupt("name"))?;
        let status = FarmStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?;
        Ok(FarmRecord {
            id: row.id,
            name,
            status,
            status_reason: row.status_reason,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// One person's place in one farm, with the farm it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub farm: FarmRecord,
    pub role: FarmRole,
    pub joined_at: i64,
}

#[derive(FromRow)]
pub(super) struct MembershipRow {
    #[sqlx(flatten)]
    farm: FarmRow,
    role: String,
    joined_at: i64,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;

    fn try_from(row: MembershipRow) -> Result<Self> {
        let role = FarmRole::parse(&row.role)
            .ok_or_else(|| StoreError::Corrupt(format!("farm {} member role", row.farm.id)))?;
        Ok(Membership {
            farm: FarmRecord::try_from(row.farm)?,
            role,
            joined_at: row.joined_at,
        })
    }
}

pub(super) const FARM_COLUMNS: &str = "farms.id, farms.name, farms.status, farms.status_reason, \
                            farms.created_at, farms.updated_at";

/// A member of a farm, as its members page lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRecord {
    pub user_id: String,
    pub username: String,
    pub email: String,
    pub role: FarmRole,
    pub joined_at: i64,
}

#[derive(FromRow)]
struct MemberRow {
    user_id: String,
    username: String,
    email: String,
    role: String,
    joined_at: i64,
}

/// How a change to a member went. A farm never loses its last owner: the statement that
/// would do it changes nothing and says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberChange {
    Done,
    NoSuchMember,
    LastOwner,
    /// A member's role was no longer what the permission check saw (a concurrent change):
    /// nothing done.
    Changed,
}

/// Members whose farm roles must still be as given when a change is made: the acting
/// member's and the target's, as the permission check read them before the farm's row
/// was locked.
pub type Expected<'a> = &'a [(&'a str, FarmRole)];

/// Whether every member in `expected` still holds the role given, read under the farm lock.
async fn roles_unchanged(
    conn: &mut sqlx::AnyConnection,
    farm_id: &str,
    expected: Expected<'_>,
) -> Result<bool> {
    for (user_id, role) in expected {
        let held: Option<(String,)> =
            sqlx::query_as("SELECT role FROM farm_members WHERE farm_id = $1 AND user_id = $2")
                .bind(farm_id)
                .bind(*user_id)
                .fetch_optional(&mut *conn)
                .await?;
        if held.is_none_or(|(held,)| held != role.as_str()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An owner role stays in the farm unless another owner remains; `$1` is the farm, `$2`
/// the member whose owner role would go.
const ANOTHER_OWNER: &str = "EXISTS (SELECT 1 FROM farm_members AS other \
     WHERE other.farm_id = $1 AND other.role = 'owner' AND other.user_id <> $2)";

impl Store {
    /// Creates `farm` with `owner` as its first owner, in one transaction.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_farm(&self, farm: &FarmRecord, owner: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_farm_rows(&mut tx, farm, owner).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates `user` and `farm` with them as its owner, in one transaction: a failure leaves
    /// neither a person without their farm nor a farm without its person.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_user_with_farm(&self, user: &UserRecord, farm: &FarmRecord) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_user_row(&mut tx, user).await?;
        insert_farm_rows(&mut tx, farm, &user.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every farm, or those with `status`: pending ones first (they wait for an
    /// administrator), then by creation; at most `limit`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn list_farms(
        &self,
        status: Option<FarmStatus>,
        limit: i64,
    ) -> Result<Vec<FarmRecord>> {
        let sql = format!(
            "SELECT {FARM_COLUMNS} FROM farms WHERE ($1 = '' OR status = $1) \
             ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, created_at, id LIMIT $2"
        );
        let rows: Vec<FarmRow> = sqlx::query_as(&sql)
            .bind(status.map(FarmStatus::as_str).unwrap_or_default())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(FarmRecord::try_from).collect()
    }

    /// The members of `farm_id`, owners first, then by when they joined.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn farm_members(&self, farm_id: &str) -> Result<Vec<MemberRecord>> {
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT farm_members.user_id, users.username, users.email, farm_members.role, \
             farm_members.joined_at \
             FROM farm_members JOIN users ON users.id = farm_members.user_id \
             WHERE farm_members.farm_id = $1 \
             ORDER BY CASE farm_members.role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1 \
             ELSE 2 END, farm_members.joined_at, users.username",
        )
        .bind(farm_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                let role = FarmRole::parse(&row.role)
                    .ok_or_else(|| StoreError::Corrupt(format!("farm {farm_id} member role")))?;
                Ok(MemberRecord {
                    user_id: row.user_id,
                    username: row.username,
                    email: row.email,
                    role,
                    joined_at: row.joined_at,
                })
            })
            .collect()
    }

    /// Moves `farm_id` from status `from` to `to` with `reason`; false if it was not in
    /// `from` (or does not exist), so two administrators deciding at once act once.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_farm_status(
        &self,
        farm_id: &str,
        from: FarmStatus,
        to: FarmStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE farms SET status = $3, status_reason = $4, updated_at = $5 \
             WHERE id = $1 AND status = $2",
        )
        .bind(farm_id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes `farm_id` if it is still pending (a refused sign-up); its memberships and
    /// invitations go with it. False if it was not pending.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_pending_farm(&self, farm_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM farms WHERE id = $1 AND status = 'pending'")
            .bind(farm_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds `user_id` to `farm_id` with `role`; [`StoreError::Conflict`] if they are a
    /// member already.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn insert_member(
        &self,
        farm_id: &str,
        user_id: &str,
        role: FarmRole,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO farm_members (farm_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(farm_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }

    /// Gives `user_id` the farm role `role`, unless that would leave the farm without an
    /// owner.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn set_member_role(
        &self,
        farm_id: &str,
        user_id: &str,
        role: FarmRole,
        expected: Expected<'_>,
        now: i64,
    ) -> Result<MemberChange> {
        let mut tx = self.begin().await?;
        lock_farm(&mut tx, farm_id, now).await?;
        if !roles_unchanged(&mut tx, farm_id, expected).await? {
            return Ok(MemberChange::Changed);
        }
        let change = set_role_guarded(&mut tx, farm_id, user_id, role).await?;
        tx.commit().await?;
        Ok(change)
    }

    /// Removes `user_id` from `farm_id`, unless they are its last owner.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn delete_member(
        &self,
        farm_id: &str,
        user_id: &str,
        expected: Expected<'_>,
        now: i64,
    ) -> Result<MemberChange> {
        let mut tx = self.begin().await?;
        lock_farm(&mut tx, farm_id, now).await?;
        if !roles_unchanged(&mut tx, farm_id, expected).await? {
            return Ok(MemberChange::Changed);
        }
        let sql = format!(
            "DELETE FROM farm_members WHERE farm_id = $1 AND user_id = $2 \
             AND (role <> 'owner' OR {ANOTHER_OWNER})"
        );
        let done = sqlx::query(&sql)
            .bind(farm_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let change = match done.rows_affected() {
            1 => MemberChange::Done,
            _ => why_unchanged(&mut tx, farm_id, user_id).await?,
        };
        tx.commit().await?;
        Ok(change)
    }

    /// Ownership handed over in one transaction: `to` becomes an owner, then `from` takes
    /// `from_becomes` (when given). Nothing changes unless both steps do.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hand_over_farm(
        &self,
        farm_id: &str,
        from: &str,
        to: &str,
        from_becomes: Option<FarmRole>,
        expected: Expected<'_>,
        now: i64,
    ) -> Result<MemberChange> {
        let mut tx = self.begin().await?;
        lock_farm(&mut tx, farm_id, now).await?;
        if !roles_unchanged(&mut tx, farm_id, expected).await? {
            return Ok(MemberChange::Changed);
        }
        let mut change = set_role_guarded(&mut tx, farm_id, to, FarmRole::Owner).await?;
        if let (MemberChange::Done, Some(role)) = (change, from_becomes) {
            change = set_role_guarded(&mut tx, farm_id, from, role).await?;
        }
        match change {
            MemberChange::Done => tx.commit().await?,
            _ => tx.rollback().await?,
        }
        Ok(change)
    }

    /// The `farms` claim of `user_id`: every *active* farm they are a member of, in one
    /// indexed query (`farm_members_user_id`), oldest membership first.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn active_farm_claims_of(&self, user_id: &str) -> Result<Vec<FarmClaim>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT farms.id, farms.name, farm_members.role \
             FROM farm_members JOIN farms ON farms.id = farm_members.farm_id \
             WHERE farm_members.user_id = $1 AND farms.status = 'active' \
             ORDER BY farm_members.joined_at, farms.id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, name, role)| {
                let role = FarmRole::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("farm {id} member role")))?;
                Ok(FarmClaim { id, name, role })
            })
            .collect()
    }
}

async fn insert_farm_rows(
    conn: &mut sqlx::AnyConnection,
    farm: &FarmRecord,
    owner: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO farms (id, name, status, status_reason, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&farm.id)
    .bind(farm.name.as_str())
    .bind(farm.status.as_str())
    .bind(&farm.status_reason)
    .bind(farm.created_at)
    .bind(farm.updated_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_insert)?;
    sqlx::query(
        "INSERT INTO farm_members (farm_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&farm.id)
    .bind(owner)
    .bind(FarmRole::Owner.as_str())
    .bind(farm.created_at)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_insert)?;
    Ok(())
}

/// Serialises changes to one farm's members: the first write of the transaction takes the
/// farm's row (PostgreSQL) or the database's write lock (SQLite), so the last-owner check of
/// a second transaction runs after the first one committed and sees its result. Without
/// it, two owners demoting each other at once would each still see the other as owner.
async fn lock_farm(conn: &mut sqlx::AnyConnection, farm_id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE farms SET updated_at = $2 WHERE id = $1")
        .bind(farm_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn set_role_guarded(
    conn: &mut sqlx::AnyConnection,
    farm_id: &str,
    user_id: &str,
    role: FarmRole,
) -> Result<MemberChange> {
    let sql = format!(
        "UPDATE farm_members SET role = $3 WHERE farm_id = $1 AND user_id = $2 \
         AND (role <> 'owner' OR $3 = 'owner' OR {ANOTHER_OWNER})"
    );
    let done = sqlx::query(&sql)
        .bind(farm_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *conn)
        .await?;
    match done.rows_affected() {
        1 => Ok(MemberChange::Done),
        _ => why_unchanged(conn, farm_id, user_id).await,
    }
}

/// Why a guarded change touched no row: no such member, or they are the last owner.
async fn why_unchanged(
    conn: &mut sqlx::AnyConnection,
    farm_id: &str,
    user_id: &str,
) -> Result<MemberChange> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT role FROM farm_members WHERE farm_id = $1 AND user_id = $2")
            .bind(farm_id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match found {
        None => MemberChange::NoSuchMember,
        Some(_) => MemberChange::LastOwner,
    })
}
