//! SQLite on a disk that fills in the middle of a transaction: the write is refused with
//! 503, writes work again once there is room, and everything answered 200 survives a
//! restart on the same file.
//!
//! The disk is a real 16 MiB tmpfs mounted for the test (we run as root), not `PRAGMA
//! max_page_count`: the failure must come from the file system, where it comes from in
//! production (SQLITE_FULL at COMMIT, when the WAL grows), and the page limit would have to
//! be set on every pooled connection by the server itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use farm_auth::accounts::admin::Actor;
use farm_auth::oauth2::initial_access::{self, Request};
use farm_auth::store::initial_access_tokens::{FarmTokenOutcome, InitialAccessTokenRecord};
use reqwest::StatusCode;
use serde_json::json;

use super::{assert_temporarily_unavailable, on_postgres, one_at_a_time, token};
use crate::support::{Options, TestApp, TestDatabase};

/// A small tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?
            .success();
        mounted.then_some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk says it is full; returns it, to be removed.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 4096];
        while file
            .write_all(&chunk)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Empties the WAL into the database file, so that the next commit must grow the WAL,
/// which is what needs new room on the disk.
async fn checkpoint(url: &str) {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await
        .expect("checkpoint");
    let _ = sqlx::Connection::close(connection).await;
}

/// A transaction that ends in a rollback (the farm does not exist), as several flows have.
async fn rolled_back_transaction(app: &TestApp, n: usize) {
    let record = InitialAccessTokenRecord {
        token_hash: format!("no-farm-{n}"),
        issued_by: None,
        vendor: None,
        uses_left: 1,
        created_at: 0,
        expires_at: i64::MAX / 2,
        farm_id: Some("no-such-farm".into()),
    };
    let outcome = app
        .store
        .insert_farm_initial_access_token(&record, "no-such-farm", 10)
        .await
        .expect("the store works again");
    assert!(matches!(outcome, FarmTokenOutcome::FarmNotActive));
}

#[tokio::test]
async fn a_full_disk_loses_no_acknowledged_write_and_writes_recover_after_it() {
    if on_postgres() {
        return; // SQLite's own failure; PostgreSQL's full disk is its server's.
    }
    let _serial = one_at_a_time().await;
    let Some(disk) = SmallDisk::mount(16) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let database = TestDatabase::sqlite_in(disk.path());
    let options = Options {
        database: Some(database.clone()),
        database_timeout_secs: Some(2),
        ..Default::default()
    };
    let mut app = TestApp::spawn_with(options.clone()).await;
    let bot = app.machine_client("openid").await;
    let registration = initial_access::issue(
        &app.state,
        Actor::CommandLine,
        Request {
            ttl_secs: None,
            uses: Some(100),
            vendor: None,
            farm: None,
            as_member: false,
        },
    )
    .await
    .expect("token issued")
    .token;
    let mut tokens = Vec::new();
    for _ in 0..40 {
        tokens.push(token(&app, &bot).await);
    }
    let mut acknowledged = Vec::new();
    let revoke = |token: String| {
        let app = &app;
        let bot = &bot;
        async move {
            let response = app.revoke(bot, &token).await;
            (token, response)
        }
    };

    checkpoint(&database.url).await;
    let filler = disk.fill();
    // A registration: one transaction, whose COMMIT finds no room for the WAL.
    let registered = app
        .http
        .post(app.endpoint("registration_endpoint").await)
        .bearer_auth(&registration)
        .json(&json!({"client_name": "Shop", "redirect_uris": ["https://app.example/cb"]}))
        .send()
        .await
        .unwrap();
    assert_temporarily_unavailable(registered).await;
    for token in tokens.drain(..5) {
        let (token, response) = revoke(token).await;
        match response.status() {
            StatusCode::OK => acknowledged.push(token),
            _ => assert_temporarily_unavailable(response).await,
        }
    }

    std::fs::remove_file(filler).unwrap();
    // Every connection in the pool is used in turn, each with a transaction that rolls
    // back (which, on a connection that came back in a broken transaction, would leave it
    // open) and a write answered 200.
    for (n, token) in tokens.drain(..).enumerate() {
        rolled_back_transaction(&app, n).await;
        let (token, response) = tokio::time::timeout(Duration::from_secs(5), revoke(token))
            .await
            .expect("writes do not wedge");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "a write after the disk was freed"
        );
        acknowledged.push(token);
    }

    // A restart on the same file: the old server's connections are closed first, so a
    // transaction left open on one of them would be rolled back now.
    app.begin_shutdown().await.unwrap().unwrap();
    let app = TestApp::spawn_with(options).await;
    for token in &acknowledged {
        assert_eq!(
            app.introspect(&bot, token).await["active"],
            false,
            "a revocation answered 200 was lost at restart"
        );
    }
}
