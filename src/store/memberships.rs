//! Reading a farm and who belongs to it (the `farms` and `farm_members` tables of
//! [`super::farms`]), as the permission checks and the `farms` claim do.

use super::farms::{FARM_COLUMNS, FarmRecord, FarmRow, Membership, MembershipRow};
use super::{Result, Store};

impl Store {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find_farm(&self, farm_id: &str) -> Result<Option<FarmRecord>> {
        let sql = format!("SELECT {FARM_COLUMNS} FROM farms WHERE id = $1");
        let row: Option<FarmRow> = sqlx::query_as(&sql)
            .bind(farm_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(FarmRecord::try_from).transpose()
    }

    /// `user_id`'s membership of `farm_id`, with the farm; `None` if they are not a member.
    #[tracing::instrument(level = "debug", skip_all)]
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
    #[tracing::instrument(level = "debug", skip_all)]
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
