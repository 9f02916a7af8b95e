//! Every anonymous write is bounded (issue 13): a flood from strangers leaves a bounded
//! number of rows and bytes behind, and what it leaves does not last. Each file floods one
//! door and counts what is stored afterwards, read with a connection of its own.

mod anonymous_sessions;
mod device_requests;
mod refused_attempts;
mod revocation_list;

use crate::support::app::TestApp;

/// One number read from the test database with a connection of its own (`sql` yields one
/// integer row).
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.database.url)
        .await
        .expect("connect to the test database");
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&mut connection)
        .await
        .expect("count rows");
    let _ = sqlx::Connection::close(connection).await;
    n
}
