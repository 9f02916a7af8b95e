//! Farms for the tests: a farm with its owner, members added, a person acting as a member,
//! and the farm's rows and trail, to assert that a refusal changed nothing.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::audit::Origin;
use farm_auth::accounts::farms::{self, Acting};
use farm_auth::domain::FarmRole;
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::users::UserRecord;

use super::app::TestApp;

/// The origin of a test's own calls to the domain.
pub static TEST_ORIGIN: Origin = Origin {
    ip: None,
    user_agent: None,
};

/// A farm's members as stored, `(user id, role)`, sorted: compared before and after a refusal.
pub type MemberRows = Vec<(String, String)>;

impl TestApp {
    /// The user named `username`.
    pub async fn user(&self, username: &str) -> UserRecord {
        self.store
            .find_user_by_username(username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"))
    }

    /// An active farm `name` owned by `owner` (an existing person), made as the command line
    /// does; its id.
    pub async fn active_farm(&self, name: &str, owner: &str) -> String {
        let owner = self.user(owner).await;
        farms::create_active(&self.state, name, &owner, Actor::CommandLine)
            .await
            .expect("farm created")
            .id
    }

    /// Adds `username` to `farm_id` with `role`, as an administrator would.
    pub async fn add_member(&self, farm_id: &str, username: &str, role: FarmRole) {
        farms::add_member(&self.state, farm_id, username, role, Actor::CommandLine)
            .await
            .expect("member added");
    }

    /// The members of `farm_id` as stored, sorted.
    pub async fn member_rows(&self, farm_id: &str) -> MemberRows {
        let mut rows: MemberRows = self
            .store
            .farm_members(farm_id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.role.to_string()))
            .collect();
        rows.sort();
        rows
    }

    /// The farm's status as stored, or `None` if it is gone.
    pub async fn farm_status(&self, farm_id: &str) -> Option<String> {
        let farm = self.store.find_farm(farm_id).await.unwrap();
        farm.map(|f| f.status.to_string())
    }

    /// The trail's events named `event`, newest first.
    pub async fn trail(&self, event: &str) -> Vec<AuditRecord> {
        let filter = AuditFilter {
            event: Some(event),
            ..AuditFilter::default()
        };
        self.store.search_audit_events(&filter, 100).await.unwrap()
    }
}

/// `user` acting as a member of a farm.
pub fn member(user: &UserRecord) -> Acting<'_> {
    Acting::Member {
        user,
        origin: &TEST_ORIGIN,
    }
}
