//! The `farms` and `farm_members` tables: seller companies and the people who work for
//! them, one farm role each.

use sqlx::FromRow;

use super::{Result, Store, StoreError};
use crate::domain::{FarmName, FarmRole, FarmStatus};

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
struct FarmRow {
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
struct MembershipRow {
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

const FARM_COLUMNS: &str = "farms.id, farms.name, farms.status, farms.status_reason, \
                            farms.created_at, farms.updated_at";

impl Store {
    /// Creates `farm` with `owner` as its first owner, in one transaction.
    pub async fn insert_farm(&self, farm: &FarmRecord, owner: &str) -> Result<()> {
        let mut tx = self.pool().begin().await?;
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
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        sqlx::query(
            "INSERT INTO farm_members (farm_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&farm.id)
        .bind(owner)
        .bind(FarmRole::Owner.as_str())
        .bind(farm.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_insert)?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn find_farm(&self, farm_id: &str) -> Result<Option<FarmRecord>> {
        let sql = format!("SELECT {FARM_COLUMNS} FROM farms WHERE id = $1");
        let row: Option<FarmRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(FarmRecord::try_from).transpose()
    }

    /// `user_id`'s membership of `farm_id`, with the farm; `None` if they are not a member.
    pub async fn find_membership(
        &self,
        farm_id: &str,
        user_id: &str,
    ) -> Result<Option<Membership>> {
        let sql = format!(
            "SELECT {FARM_COLUMNS}, farm_members.role, farm_members.joined_at \
             FROM farm_members JOIN farms ON farms.id = farm_members.farm_id \
             WHERE farm_members.farm_id = $1 AND farm_members.user_id = $2"
        );
        let row: Option<MembershipRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(Membership::try_from).transpose()
    }

    /// Every farm `user_id` belongs to, whatever its status, oldest membership first.
    pub async fn memberships_of(&self, user_id: &str) -> Result<Vec<Membership>> {
        let sql = format!(
            "SELECT {FARM_COLUMNS}, farm_members.role, farm_members.joined_at \
             FROM farm_members JOIN farms ON farms.id = farm_members.farm_id \
             WHERE farm_members.user_id = $1 ORDER BY farm_members.joined_at, farms.id"
        );
        let rows: Vec<MembershipRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(Membership::try_from).collect()
    }
}
