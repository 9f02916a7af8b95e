//! Farms as organizations, one module per rule family. Shared here: the people every test
//! starts from.

mod api;
mod claims;
mod cli;
mod company_migration;
mod invitations;
mod members;
mod pages;
mod signup;

use farm_auth::accounts::users::Role;

use crate::support::TestApp;

/// A farm "Green Acres" owned by `olive`, with `mia` a manager and `sam` staff, and `xavier`
/// a consumer outside it; the farm's id.
async fn green_acres(app: &TestApp) -> String {
    for name in ["olive", "mia", "sam", "xavier"] {
        app.person(name, Role::Consumer).await;
    }
    let farm = app.active_farm("Green Acres", "olive").await;
    app.add_member(&farm, "mia", farm_auth::domain::FarmRole::Manager)
        .await;
    app.add_member(&farm, "sam", farm_auth::domain::FarmRole::Staff)
        .await;
    farm
}
