//! Apps from the command line: a client that belongs to a farm, its back-channel logout URI,
//! registration tokens for a farm, and suspending and resuming a client. Bad input is one
//! line on standard error, a non-zero status, and nothing stored.

use farm_auth::domain::{FarmName, FarmStatus};
use farm_auth::store::Store;
use farm_auth::store::farms::FarmRecord;
use serde_json::Value;

use crate::support::{Cli, assert_one_line_error, stdout_json};

/// A person and an active farm they own, made in `cli`'s database; the farm's id.
async fn farm(cli: &Cli, store: &Store) -> String {
    let person = stdout_json(&cli.run(
        &[
            "user",
            "create",
            "--username",
            "marigold",
            "--email",
            "m@farm.example",
            "--role",
            "farmer",
            "--password-stdin",
            "--json",
        ],
        Some("a long password"),
    ));
    let owner = store
        .find_user_by_username(person["username"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let farm = FarmRecord {
        id: farm_auth::secrets::random_id(),
        name: FarmName::parse("Marigold Farm").unwrap(),
        status: FarmStatus::Active,
        status_reason: None,
        created_at: 0,
        updated_at: 0,
    };
    store.insert_farm(&farm, &owner.id).await.unwrap();
    farm.id
}

fn listed(cli: &Cli) -> Vec<Value> {
    stdout_json(&cli.run(&["client", "list", "--json"], None))
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_client_belongs_to_the_farm_named_and_keeps_its_back_channel_logout_uri() {
    let cli = Cli::new().await;
    let store = Store::connect(&cli.database.url).await.unwrap();
    let farm = farm(&cli, &store).await;
    let created = stdout_json(&cli.run(
        &[
            "client",
            "create",
            "--name",
            "Till",
            "--farm",
            &farm,
            "--backchannel-logout-uri",
            "https://till.example/logout",
            "--json",
        ],
        None,
    ));
    let id = created["client_id"].as_str().unwrap();
    let stored = store.find_client(id).await.unwrap().unwrap();
    assert_eq!(stored.farm_id.as_deref(), Some(farm.as_str()));
    assert_eq!(
        stored.backchannel_logout_uri.as_deref(),
        Some("https://till.example/logout")
    );
    let list = listed(&cli);
    assert_eq!(list[0]["farm_id"], farm.as_str());
    assert_eq!(list[0]["suspended"], false);

    for (args, mentions) in [
        (vec!["--farm", "no-such-farm"], "no farm"),
        (vec!["--farm", "../../etc"], "no farm"),
        (
            vec!["--backchannel-logout-uri", "http://till.example/logout"],
            "backchannel_logout_uri",
        ),
        (
            vec!["--backchannel-logout-uri", "https://till.example/#x"],
            "backchannel_logout_uri",
        ),
        (
            vec!["--backchannel-logout-uri", "/logout"],
            "backchannel_logout_uri",
        ),
    ] {
        let mut all = vec!["client", "create", "--name", "Bad"];
        all.extend(args);
        assert_one_line_error(&cli.run(&all, None), mentions);
    }
    assert_eq!(listed(&cli).len(), 1, "nothing stored");
}

#[tokio::test]
async fn a_registration_token_for_a_farm_registers_the_farms_apps() {
    let cli = Cli::new().await;
    let store = Store::connect(&cli.database.url).await.unwrap();
    let farm = farm(&cli, &store).await;
    let issued = stdout_json(&cli.run(
        &[
            "initial-access-token",
            "create",
            "--farm",
            &farm,
            "--uses",
            "2",
            "--json",
        ],
        None,
    ));
    assert_eq!(issued["farm_id"], farm.as_str());
    assert_eq!(issued["vendor"], Value::Null);
    let refused = cli.run(
        &["initial-access-token", "create", "--farm", "nope", "--json"],
        None,
    );
    assert_one_line_error(&refused, "no such farm");
}

#[tokio::test]
async fn a_client_is_suspended_and_resumed_from_the_command_line() {
    let cli = Cli::new().await;
    let created = stdout_json(&cli.run(&["client", "create", "--name", "Bot", "--json"], None));
    let id = created["client_id"].as_str().unwrap();
    let suspended = cli.run(&["client", "suspend", id], None);
    assert!(
        suspended.status.success(),
        "{}",
        String::from_utf8_lossy(&suspended.stderr)
    );
    assert_eq!(listed(&cli)[0]["suspended"], true);
    let resumed = cli.run(&["client", "resume", id], None);
    assert!(resumed.status.success());
    assert_eq!(listed(&cli)[0]["suspended"], false);
    assert_one_line_error(
        &cli.run(&["client", "suspend", "nobody"], None),
        "no client",
    );

    let store = Store::connect(&cli.database.url).await.unwrap();
    let trail = store.list_audit_events(None, 100).await.unwrap();
    let events: Vec<&str> = trail.iter().map(|e| e.event.as_str()).collect();
    assert!(
        events.contains(&"client.suspended") && events.contains(&"client.resumed"),
        "{events:?}"
    );
}
