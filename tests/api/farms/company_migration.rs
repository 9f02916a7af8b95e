//! Migration 7 turns the free-text `users.company` into farms: each non-blank company an
//! active farm its person owns, with a name that reads back as a `FarmName`; the column
//! goes.

use std::path::Path;

use farm_auth::domain::{FarmRole, FarmStatus};
use farm_auth::store::Store;
use sqlx::Connection;
use sqlx::migrate::Migrator;

use crate::support::TestDatabase;

/// The first migration that knows farms; the ones before it are applied by hand.
const FARMS_MIGRATION: &str = "20261205000007";

/// A database migrated up to (not including) migration 7, from a copy of the first six
/// files of this engine's migrations.
async fn database_before_farms() -> (std::sync::Arc<TestDatabase>, sqlx::AnyConnection) {
    sqlx::any::install_default_drivers();
    let database = TestDatabase::new().await;
    let engine = match database.url.starts_with("sqlite:") {
        true => "sqlite",
        false => "postgres",
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(engine);
    let earlier = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < FARMS_MIGRATION {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    let migrator = Migrator::new(earlier.path()).await.unwrap();
    assert_eq!(migrator.iter().count(), 6, "migrations 1 to 6");
    let mut conn = sqlx::AnyConnection::connect(&database.url).await.unwrap();
    migrator.run(&mut conn).await.unwrap();
    (database, conn)
}

/// Inserts a consumer as migration 6 stores them, with `company`; their id.
async fn user_with_company(
    conn: &mut sqlx::AnyConnection,
    username: &str,
    company: Option<&str>,
    updated_at: i64,
) -> String {
    let id = farm_auth::secrets::random_id();
    sqlx::query(
        "INSERT INTO users (id, username, username_normalized, email, email_normalized, \
         email_verified, password_hash, roles, created_at, updated_at, company) \
         VALUES ($1, $2, $2, $3, $3, 1, NULL, '[\"consumer\"]', 1000, $4, $5)",
    )
    .bind(&id)
    .bind(username)
    .bind(format!("{username}@farm.example"))
    .bind(updated_at)
    .bind(company)
    .execute(&mut *conn)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn each_company_becomes_an_active_farm_its_person_owns_and_the_column_goes() {
    let (database, mut conn) = database_before_farms().await;
    let sqlite = database.url.starts_with("sqlite:");
    let long = "é".repeat(150);
    let people = [
        ("ada", Some("  Green Acres \n"), Some("Green Acres")),
        // A direction override would let "Farm" pass for another name: removed.
        (
            "bob",
            Some("\u{202e}moc.elgoog\u{202c} Farm"),
            Some("moc.elgoog Farm"),
        ),
        // Control characters between words become spaces; white space at the ends goes.
        ("cat", Some("Hill\tFarm\u{85}\u{a0}"), Some("Hill Farm")),
        // Nothing left once cleaned: the farm takes the username.
        ("dan", Some("\u{202e}\u{200f}\u{1}"), Some("dan")),
        // At most 100 characters.
        ("eve", Some(long.as_str()), Some(&long[..200])),
        // Blank or none: no farm.
        ("fay", Some("  \t "), None),
        ("gus", None, None),
    ];
    let mut ids = Vec::new();
    for (i, (username, company, _)) in people.iter().enumerate() {
        let updated_at = 2000 + i as i64;
        ids.push(user_with_company(&mut conn, username, *company, updated_at).await);
    }
    // SQLite text may hold a NUL, which its string functions stop at: the name is cut there.
    let hal = match sqlite {
        true => Some(user_with_company(&mut conn, "hal", Some("Moon\0Farm"), 3000).await),
        false => None,
    };
    conn.close().await.unwrap();

    let store = Store::connect(&database.url).await.unwrap();
    store.migrate().await.unwrap();

    for ((username, _, expected), (i, id)) in people.iter().zip(ids.iter().enumerate()) {
        let farms = store.memberships_of(id).await.unwrap();
        let Some(name) = expected else {
            assert!(farms.is_empty(), "{username}: no farm");
            continue;
        };
        assert_eq!(farms.len(), 1, "{username}: one farm");
        let membership = &farms[0];
        assert_eq!(
            membership.farm.id, *id,
            "{username}: the farm's id is theirs"
        );
        assert_eq!(membership.farm.name.as_str(), *name, "{username}");
        assert_eq!(membership.farm.status, FarmStatus::Active);
        assert_eq!(membership.farm.status_reason, None);
        assert_eq!(membership.role, FarmRole::Owner);
        assert_eq!(membership.joined_at, 2000 + i as i64);
        let members = store.farm_members(id).await.unwrap();
        assert_eq!(members.len(), 1, "{username}: the only member");
        // Their platform roles are as they were: a consumer stays a consumer.
        let user = store
            .find_user_by_username(username)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.roles.names(), ["consumer"]);
    }
    if let Some(hal) = hal {
        let farms = store.memberships_of(&hal).await.unwrap();
        assert_eq!(farms[0].farm.name.as_str(), "Moon");
    }
    let farms = store
        .list_farms(None, 100)
        .await
        .expect("every migrated farm reads back");
    assert_eq!(farms.len(), 5 + usize::from(sqlite));

    let mut conn = sqlx::AnyConnection::connect(&database.url).await.unwrap();
    let gone = sqlx::query("SELECT company FROM users")
        .fetch_all(&mut conn)
        .await;
    assert!(gone.is_err(), "the company column is dropped");
}
