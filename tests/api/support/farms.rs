//! Farms made directly in the store, for tests about what a farm's members may do.

use farm_auth::domain::{FarmName, FarmRole, FarmStatus};
use farm_auth::store::farms::FarmRecord;

use super::TestApp;

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

/// Adds the person `user_id` to farm `farm_id` with `role`.
pub async fn add_member(app: &TestApp, farm_id: &str, user_id: &str, role: FarmRole) {
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
