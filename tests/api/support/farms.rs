//! Farms for the tests: a farm with its owner, members added, a person acting as a member,
//! and the farm's rows and trail, to assert that a refusal changed nothing.

use farm_auth::accounts::admin::Actor;
use farm_auth::accounts::audit::Origin;
use farm_auth::accounts::farms::{self, Acting};
use farm_auth::domain::{FarmName, FarmRole, FarmStatus};
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::farms::FarmRecord;
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

/// Makes a farm named `name` with `status`, owned by the person `owner_id`; its id.
pub async fn farm_owned_by(
    app: &TestApp,
    owner_id: &str,
    name: &str,
    status: FarmStatus,
) -> String {
    let id = farm_auth::secrets::random_id();
    let now = app.clock.now();
    let farm = FarmRecord {
        id: id.clone(),
        name: FarmName::parse(name).expect("a farm name"),
        status,
        status_reason: None,
        created_at: now,
        updated_at: now,
    };
    app.store
        .insert_farm(&farm, owner_id)
        .await
        .expect("insert farm");
    id
}

/// Adds the person `user_id` to farm `farm_id` with `role`, straight into the table (no
/// platform role follows).
pub async fn insert_member_row(app: &TestApp, farm_id: &str, user_id: &str, role: FarmRole) {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.database.url)
        .await
        .expect("connect to the test database");
    sqlx::query(
        "INSERT INTO farm_members (farm_id, user_id, role, joined_at) VALUES ($1, $2, $3, 0)",
    )
    .bind(farm_id)
    .bind(user_id)
    .bind(role.as_str())
    .execute(&mut connection)
    .await
    .expect("insert farm member");
    let _ = sqlx::Connection::close(connection).await;
}

/// Sets farm `farm_id`'s status.
pub async fn set_farm_status(app: &TestApp, farm_id: &str, status: FarmStatus) {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.database.url)
        .await
        .expect("connect to the test database");
    sqlx::query("UPDATE farms SET status = $2 WHERE id = $1")
        .bind(farm_id)
        .bind(status.as_str())
        .execute(&mut connection)
        .await
        .expect("update farm status");
    let _ = sqlx::Connection::close(connection).await;
}
