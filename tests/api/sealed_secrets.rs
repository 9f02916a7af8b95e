//! Secrets sealed at rest: private signing keys, TOTP secrets and queued mail (its links)
//! are unreadable in the database without the secret key; a server with another key refuses
//! to start instead of signing with garbage; rows written in clear are sealed at start-up;
//! and the secret key rotates (old rows readable during the rotation, `secrets rekey`,
//! then the new key alone).

use std::sync::Arc;

use crate::support::{
    Options, TestApp, TestDatabase, assert_one_line_error, now, published_kids, run_farm_auth,
    stdout_json,
};
use farm_auth::accounts::users::Role;
use farm_auth::config::{Config, ConfigArgs};
use farm_auth::secrets::SecretKey;
use farm_auth::{App, Clock};
use sqlx::AnyPool;

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const LINK: &str = "https://auth.farm.test/password/reset?token=VerySecretResetToken123";

/// A server on `database` whose mail cannot go out (the SMTP server is unreachable), so
/// what is queued stays in the outbox.
async fn server(
    database: &Arc<TestDatabase>,
    key: Option<&str>,
    previous: Option<&str>,
) -> TestApp {
    TestApp::spawn_with(Options {
        database: Some(database.clone()),
        secret_key: key.map(str::to_string),
        secret_key_previous: previous.map(str::to_string),
        smtp_url: Some("smtp://127.0.0.1:1".into()),
        ..Default::default()
    })
    .await
}

/// A server with a person enrolling an authenticator app and a reset mail waiting in the
/// outbox.
async fn app_with_secrets(database: Arc<TestDatabase>) -> (TestApp, String) {
    let app = server(&database, None, None).await;
    let user_id = app.person("ada", Role::Farmer).await;
    app.store
        .upsert_pending_totp(&user_id, TOTP_SECRET, now())
        .await
        .unwrap();
    let body = (
        format!("Reset: {LINK}\n"),
        format!("<a href=\"{LINK}\">Reset</a>"),
    );
    farm_auth::mail::enqueue(&app.state, "ada@farm.example", "Reset", body, Some(3600))
        .await
        .unwrap();
    // The sign-up page makes the key that signs its challenges.
    let signup = app.http.get(app.url("/signup")).send().await.unwrap();
    assert!(signup.status().is_success());
    (app, user_id)
}

/// The sealed columns as stored: (private keys, TOTP secrets, mail bodies and instance
/// secrets).
async fn raw_rows(database: &TestDatabase) -> (Vec<Vec<u8>>, Vec<String>, Vec<String>) {
    let pool = AnyPool::connect(&database.url).await.unwrap();
    let keys: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT private_key FROM signing_keys")
        .fetch_all(&pool)
        .await
        .unwrap();
    let totp: Vec<(String,)> = sqlx::query_as("SELECT secret FROM totp_factors")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mail: Vec<(String, String)> =
        sqlx::query_as("SELECT text_body, html_body FROM mail_outbox")
            .fetch_all(&pool)
            .await
            .unwrap();
    let instance: Vec<(String,)> = sqlx::query_as("SELECT secret FROM instance_secrets")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    let bodies = mail
        .into_iter()
        .flat_map(|(t, h)| [t, h])
        .chain(instance.into_iter().map(|(s,)| s))
        .collect();
    (
        keys.into_iter().map(|(k,)| k).collect(),
        totp.into_iter().map(|(s,)| s).collect(),
        bodies,
    )
}

fn key_id(key: &str) -> String {
    SecretKey::parse(key).unwrap().id()
}

/// Every sealed column holds values sealed with `key` and nothing readable.
async fn assert_sealed_with(database: &TestDatabase, key: &str) {
    let prefix = format!("sealed:v1:{}:", key_id(key));
    let (keys, totp, bodies) = raw_rows(database).await;
    assert!(!keys.is_empty() && !totp.is_empty() && !bodies.is_empty());
    for key in &keys {
        let text = String::from_utf8_lossy(key);
        assert!(text.starts_with(&prefix), "{text}");
        // PKCS#8 DER starts with a SEQUENCE (0x30); a PEM with its armour.
        assert!(!text.contains("PRIVATE KEY") && key[0] != 0x30);
    }
    for value in totp.iter().chain(&bodies) {
        assert!(
            value.starts_with(&prefix),
            "{value:?} in {totp:?} {bodies:?}"
        );
        assert!(!value.contains(TOTP_SECRET) && !value.contains("VerySecretResetToken"));
    }
}

/// `App::from_listener` with `key` on `database`: the start-up error, if it fails.
async fn start_error(database: &TestDatabase, key: &str) -> Option<String> {
    let args = ConfigArgs {
        database_url: Some(database.url.clone()),
        listen: Some("127.0.0.1:0".into()),
        secret_key: Some(key.into()),
        ..Default::default()
    };
    let config = Config::from_args(args).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    match App::from_listener(config, listener, Clock::System).await {
        Ok(_) => None,
        Err(error) => Some(format!("{error:#}")),
    }
}

#[tokio::test]
async fn the_sealed_columns_show_no_key_secret_or_link_in_the_database() {
    let database = TestDatabase::new().await;
    let (app, user_id) = app_with_secrets(database.clone()).await;
    assert_sealed_with(&database, &database.secret_key).await;
    // The server itself reads them back.
    let factor = app.store.find_totp(&user_id).await.unwrap().unwrap();
    assert_eq!(factor.secret, TOTP_SECRET);
    let due = app.store.list_due_mail(now() + 86_400, 10).await.unwrap();
    assert!(due[0].text_body.contains(LINK), "{}", due[0].text_body);
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    app.verify_like_a_resource_server(&token).await.unwrap();
}

#[tokio::test]
async fn a_server_with_another_secret_key_refuses_to_start_and_says_which_setting() {
    let database = TestDatabase::new().await;
    let (app, _) = app_with_secrets(database.clone()).await;
    drop(app);
    let other = SecretKey::generate().encode();
    let error = start_error(&database, &other)
        .await
        .expect("the server refuses to start");
    assert!(error.contains("FARM_AUTH_SECRET_KEY"), "{error}");
    assert!(error.contains(&key_id(&database.secret_key)), "{error}");
    // A sealed value moved to another row does not open either, even with the right key.
    let pool = AnyPool::connect(&database.url).await.unwrap();
    let bob = server(&database, None, None).await;
    let bob_id = bob.person("bob", Role::Farmer).await;
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret, confirmed_at, last_step, created_at) \
         SELECT $1, secret, NULL, 0, created_at FROM totp_factors",
    )
    .bind(&bob_id)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(bob.store.find_totp(&bob_id).await.is_err());
}

#[tokio::test]
async fn rows_written_in_clear_are_sealed_at_start_up_and_keep_working() {
    let database = TestDatabase::new().await;
    let (app, user_id) = app_with_secrets(database.clone()).await;
    let kids = published_kids(&app).await;
    let keys = app
        .store
        .list_published_signing_keys(now(), 3600)
        .await
        .unwrap();
    drop(app);
    // As a version before sealing wrote them.
    let pool = AnyPool::connect(&database.url).await.unwrap();
    for key in &keys {
        sqlx::query("UPDATE signing_keys SET private_key = $1 WHERE kid = $2")
            .bind(&key.private_key)
            .bind(&key.kid)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE totp_factors SET secret = $1")
        .bind(TOTP_SECRET)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE mail_outbox SET text_body = $1, html_body = $1")
        .bind(LINK)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let app = server(&database, None, None).await;
    assert_sealed_with(&database, &database.secret_key).await;
    assert_eq!(published_kids(&app).await, kids, "the same key signs");
    let factor = app.store.find_totp(&user_id).await.unwrap().unwrap();
    assert_eq!(factor.secret, TOTP_SECRET);
    // Sealing again changes nothing.
    let resealed = app
        .store
        .reseal(farm_auth::store::sealed::Reseal::Plain)
        .await
        .unwrap();
    assert_eq!(resealed, 0);
}

#[tokio::test]
async fn a_secret_key_rotation_reads_old_rows_until_rekey_then_needs_the_new_key_alone() {
    let database = TestDatabase::new().await;
    let old_key = database.secret_key.clone();
    let new_key = SecretKey::generate().encode();
    let (app, user_id) = app_with_secrets(database.clone()).await;
    let kids = published_kids(&app).await;
    drop(app);

    // Step 1: the new key, with the old one still accepted for reading.
    let app = server(&database, Some(&new_key), Some(&old_key)).await;
    assert_eq!(published_kids(&app).await, kids);
    let factor = app.store.find_totp(&user_id).await.unwrap().unwrap();
    assert_eq!(factor.secret, TOTP_SECRET);

    // Step 2: re-seal everything under the new key, beside the running server.
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("FARM_AUTH_DATABASE_URL", database.url.as_str()),
        ("FARM_AUTH_SECRET_KEY", new_key.as_str()),
        ("FARM_AUTH_SECRET_KEY_PREVIOUS", old_key.as_str()),
    ];
    let output = run_farm_auth(dir.path(), &env, &["secrets", "rekey", "--json"], None);
    assert!(stdout_json(&output)["resealed"].as_u64().unwrap() >= 4);
    assert_sealed_with(&database, &new_key).await;
    let again = run_farm_auth(dir.path(), &env, &["secrets", "rekey", "--json"], None);
    assert_eq!(
        stdout_json(&again)["resealed"],
        0,
        "nothing left to re-seal"
    );
    drop(app);

    // Step 3: the new key alone is enough; the old one alone no longer is.
    let app = server(&database, Some(&new_key), None).await;
    assert_eq!(published_kids(&app).await, kids);
    let factor = app.store.find_totp(&user_id).await.unwrap().unwrap();
    assert_eq!(factor.secret, TOTP_SECRET);
    drop(app);
    assert!(start_error(&database, &old_key).await.is_some());
}

#[tokio::test]
async fn without_a_secret_key_sqlite_keeps_one_in_a_private_file_beside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("FARM_AUTH_DATABASE_URL", "sqlite://data.db?mode=rwc")];
    let first = run_farm_auth(dir.path(), &env, &["keys", "rotate", "--json"], None);
    stdout_json(&first);
    let file = dir.path().join("data.db.key");
    let key = std::fs::read_to_string(&file).expect("a key file beside the database");
    assert!(SecretKey::parse(&key).is_some());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // The next command reuses it and opens what the first sealed.
    let second = run_farm_auth(dir.path(), &env, &["keys", "rotate", "--json"], None);
    stdout_json(&second);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), key);
}

#[tokio::test]
async fn postgresql_without_a_secret_key_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let env = [(
        "FARM_AUTH_DATABASE_URL",
        "postgres://nobody@127.0.0.1:1/none",
    )];
    let output = run_farm_auth(dir.path(), &env, &["migrate"], None);
    assert_one_line_error(&output, "FARM_AUTH_SECRET_KEY is required with PostgreSQL");
    let bad = [
        ("FARM_AUTH_DATABASE_URL", "sqlite://data.db?mode=rwc"),
        ("FARM_AUTH_SECRET_KEY", "too-short"),
    ];
    let output = run_farm_auth(dir.path(), &bad, &["migrate"], None);
    assert_one_line_error(&output, "FARM_AUTH_SECRET_KEY");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("too-short"));
}
