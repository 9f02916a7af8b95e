//! What a webhook endpoint receives (Standard Webhooks): every event type, each verified
//! with the reference implementation, with ids and what changed and never a secret; a
//! subject's events in the order they happened; and what an administrator may subscribe.

use farm_auth::accounts::users::Role;
use farm_auth::domain::{FarmRole, FarmStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{Options, PASSWORD, Receiver, assert_api_error, set_farm_status, signed_in};

async fn ok(app: &TestApp, admin: &ApiPerson, method: Method, path: &str, body: Value) {
    let response = admin_call(app, admin, method.clone(), path, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{method} {path}: {status} {text}");
}

#[tokio::test]
async fn every_event_type_reaches_the_endpoint_signed_and_carries_no_secret() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(&app, &root, &receiver.url("/hooks"), ALL_TYPES).await;

    // A person: created, confirmed, roles, locked and unlocked, a session ended, deleted.
    let ada = app.person("ada", Role::Consumer).await;
    app.store
        .set_email_verified(&ada, "ada@farm.example", app.clock.now())
        .await
        .unwrap();
    app.store
        .set_confirmed_email(&ada, "ada.lovelace@farm.example", app.clock.now())
        .await
        .unwrap();
    let user = format!("/api/v1/admin/users/{ada}");
    ok(
        &app,
        &root,
        Method::PUT,
        &format!("{user}/roles"),
        json!({"roles": ["farmer"]}),
    )
    .await;
    lock(&app, &root, &ada, "a test").await;
    unlock(&app, &root, &ada).await;
    let browser = signed_in(&app, "ada").await;
    let (_, _, page) = browser.agent.navigate("/account").await.page();
    browser.agent.submit(&page, "/logout", &[]).await;

    // A farm: created, approved, suspended, reinstated, members; another refused (deleted).
    app.person("bob", Role::Farmer).await;
    app.person("cleo", Role::Farmer).await;
    let farm = app.active_farm("Green Acres", "bob").await;
    set_farm_status(&app, &farm, FarmStatus::Pending).await;
    let farms = format!("/api/v1/admin/farms/{farm}");
    ok(
        &app,
        &root,
        Method::POST,
        &format!("{farms}/approve"),
        json!({}),
    )
    .await;
    ok(
        &app,
        &root,
        Method::POST,
        &format!("{farms}/suspend"),
        json!({"reason": "unpaid"}),
    )
    .await;
    ok(
        &app,
        &root,
        Method::POST,
        &format!("{farms}/reactivate"),
        json!({}),
    )
    .await;
    app.add_member(&farm, "cleo", FarmRole::Staff).await;
    let cleo = app.user("cleo").await.id;
    let member = format!("{farms}/members/{cleo}");
    ok(
        &app,
        &root,
        Method::PUT,
        &format!("{member}/role"),
        json!({"role": "manager"}),
    )
    .await;
    ok(&app, &root, Method::DELETE, &member, Value::Null).await;
    let refused = app.active_farm("Brown Acres", "bob").await;
    set_farm_status(&app, &refused, FarmStatus::Pending).await;
    let refuse = format!("/api/v1/admin/farms/{refused}/refuse");
    ok(
        &app,
        &root,
        Method::POST,
        &refuse,
        json!({"reason": "a duplicate"}),
    )
    .await;

    // An app: registered, suspended, reinstated, deleted (its secret must not travel).
    let body = json!({"client_name": "Market Stall", "grant_types": ["client_credentials"]});
    let created = admin_call(&app, &root, Method::POST, "/api/v1/admin/clients", body).await;
    let created = json_answer(created, StatusCode::CREATED).await;
    let client_id = created["client_id"].as_str().unwrap().to_string();
    let client_secret = created["client_secret"].as_str().unwrap().to_string();
    let client = format!("/api/v1/admin/clients/{client_id}");
    ok(
        &app,
        &root,
        Method::PUT,
        &format!("{client}/suspension"),
        json!({}),
    )
    .await;
    ok(
        &app,
        &root,
        Method::DELETE,
        &format!("{client}/suspension"),
        Value::Null,
    )
    .await;
    ok(&app, &root, Method::DELETE, &client, Value::Null).await;

    ok(&app, &root, Method::DELETE, &user, Value::Null).await;

    // Every type arrives, each verified by the reference implementation.
    let (_, deleted) =
        wait_for_event(&receiver, &secret, "person.deleted", "person_id", &ada).await;
    wait_for_event(&receiver, &secret, "app.deleted", "client_id", &client_id).await;
    wait_for_event(&receiver, &secret, "farm.deleted", "farm_id", &refused).await;
    let events = accepted_events(&receiver, &secret);
    for event_type in ALL_TYPES {
        assert!(
            events.iter().any(|(t, _)| t == event_type),
            "no {event_type}: {:?}",
            events.iter().map(|(t, _)| t).collect::<Vec<_>>()
        );
    }
    // The Standard Webhooks body: type, an RFC 3339 timestamp, the data.
    assert_eq!(deleted["data"]["username"], "ada");
    assert!(
        deleted["timestamp"].as_str().unwrap().ends_with('Z'),
        "{deleted}"
    );
    let find = |t: &str, key: &str, value: &str| {
        events
            .iter()
            .find(|(ty, b)| ty == t && b["data"][key] == value)
            .map(|(_, b)| b["data"].clone())
            .unwrap_or_else(|| panic!("no {t} for {value}"))
    };
    assert_eq!(
        find("person.roles_changed", "person_id", &ada)["roles"],
        json!(["farmer"])
    );
    assert_eq!(find("person.locked", "person_id", &ada)["reason"], "a test");
    assert_eq!(
        find("farm.member_role_changed", "person_id", &cleo)["role"],
        "manager"
    );
    assert_eq!(
        find("farm.member_role_changed", "person_id", &cleo)["old_role"],
        "staff"
    );
    assert_eq!(find("farm.suspended", "farm_id", &farm)["reason"], "unpaid");
    assert_eq!(
        find("person.confirmed", "person_id", &ada)["email"],
        "ada@farm.example"
    );
    let changed = find("person.email_changed", "person_id", &ada);
    assert_eq!(changed["email"], "ada.lovelace@farm.example");
    assert_eq!(changed["email_verified"], true);
    // Ids and what changed: never a password, a hash or a client secret.
    for received in receiver.received() {
        let text = String::from_utf8_lossy(&received.body).to_string();
        for secret_text in [PASSWORD, client_secret.as_str(), "argon2", "secret"] {
            assert!(!text.contains(secret_text), "{secret_text} in {text}");
        }
    }
    // A person's events, in the order they happened.
    let ada_events: Vec<&str> = events
        .iter()
        .filter(|(_, b)| {
            b["data"]["person_id"] == ada.as_str() && !b["data"]["farm_id"].is_string()
        })
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        ada_events,
        [
            "person.created",
            "person.confirmed",
            "person.email_changed",
            "person.roles_changed",
            "person.locked",
            "person.unlocked",
            "session.ended",
            "person.deleted",
        ]
    );
}

/// An unconfirmed person who changes their address confirms it in the same update (the
/// statement the link of `/account/email` runs): both events, `person.confirmed` first, on
/// either engine.
#[tokio::test]
async fn an_address_changed_before_it_was_confirmed_tells_confirmed_then_changed() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let types = ["person.confirmed", "person.email_changed"];
    let (_, secret) = subscribe(&app, &root, &receiver.url("/hooks"), &types).await;
    let ada = app.person("ada", Role::Consumer).await;
    app.store
        .set_confirmed_email(&ada, "ada.lovelace@farm.example", app.clock.now())
        .await
        .unwrap();
    wait_for_event(
        &receiver,
        &secret,
        "person.email_changed",
        "person_id",
        &ada,
    )
    .await;
    let received: Vec<String> = accepted_events(&receiver, &secret)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(received, types);
}

#[tokio::test]
async fn an_endpoint_gets_only_the_types_it_subscribed_to_and_nothing_while_paused() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(&app, &root, &receiver.url("/hooks"), &["person.locked"]).await;
    let ada = app.person("ada", Role::Consumer).await;
    lock(&app, &root, &ada, "one").await;
    wait_for_event(&receiver, &secret, "person.locked", "person_id", &ada).await;
    unlock(&app, &root, &ada).await;

    // Paused: the next lock is not sent, nor kept for later.
    let path = format!("{WEBHOOKS}/{id}");
    let body =
        json!({"url": receiver.url("/hooks"), "event_types": ["person.locked"], "disabled": true});
    let paused = json_answer(
        admin_call(&app, &root, Method::PUT, &path, body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paused["disabled"], true);
    lock(&app, &root, &ada, "two").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let body = json!({"url": receiver.url("/hooks"), "event_types": ["person.locked"]});
    ok(&app, &root, Method::PUT, &path, body).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let types: Vec<String> = accepted_events(&receiver, &secret)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(types, ["person.locked"]);
    assert_eq!(deliveries(&app, &root, &id, "").await.len(), 1);
}

#[tokio::test]
async fn a_subjects_events_arrive_in_order_even_when_the_first_is_retried() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(&app, &root, &receiver.url("/hooks"), ALL_TYPES).await;
    // The first delivery fails; the person's later events wait behind it.
    receiver.fail_next(1, 503);
    let ada = app.person("ada", Role::Consumer).await;
    lock(&app, &root, &ada, "one").await;
    unlock(&app, &root, &ada).await;
    wait_for_requests(&receiver, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let so_far: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| format!("{} {}", r.answered, verify_webhook(&secret, r)["type"]))
        .collect();
    assert_eq!(
        so_far.len(),
        1,
        "nothing overtakes the failed delivery: {so_far:?}"
    );
    app.clock.advance(6);
    wait_for_event(&receiver, &secret, "person.unlocked", "person_id", &ada).await;
    let received = receiver.received();
    let order: Vec<String> = received
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.answered,
                verify_webhook(&secret, r)["type"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            "503 person.created",
            "200 person.created",
            "200 person.locked",
            "200 person.unlocked"
        ]
    );
    // The retry is the same message: the same `webhook-id`, a new timestamp and signature.
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
}

#[tokio::test]
async fn an_administrator_subscribes_only_known_types_at_an_address_that_may_be_called() {
    let app = TestApp::spawn_with(Options {
        outbound_strict: true,
        ..Default::default()
    })
    .await;
    let root = admin(&app).await;
    let long_url = format!("https://hooks.example/{}", "a".repeat(2000));
    let long_description = "x".repeat(201);
    let created = ["person.created"];
    let refused: [(&str, &[&str], &str, &str); 11] = [
        ("http://127.0.0.1:9/hooks", &created, "", "address"),
        ("http://10.1.2.3/hooks", &created, "", "address"),
        ("http://169.254.169.254/latest", &created, "", "address"),
        ("ftp://hooks.example/", &created, "", "http"),
        (
            "https://user:pw@hooks.example/",
            &created,
            "",
            "credentials",
        ),
        ("https://hooks.example/#x", &created, "", "fragment"),
        ("hooks", &created, "", "absolute"),
        (
            "https://hooks.example/",
            &["person.hacked"],
            "",
            "unknown event type",
        ),
        ("https://hooks.example/", &[], "", "at least one"),
        (
            "https://hooks.example/",
            &created,
            &long_description,
            "description",
        ),
        (&long_url, &created, "", "too long"),
    ];
    for (url, types, description, why) in refused {
        let body = json!({"url": url, "event_types": types, "description": description});
        let response = admin_call(&app, &root, Method::POST, WEBHOOKS, body).await;
        let error = assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_webhook").await;
        let text = error["error_description"].as_str().unwrap();
        assert!(text.contains(why), "{url} {types:?}: {text}");
    }
    let listed = admin_call(&app, &root, Method::GET, WEBHOOKS, Value::Null).await;
    let listed = json_answer(listed, StatusCode::OK).await;
    assert_eq!(listed["webhooks"], json!([]));
    assert_eq!(
        listed["event_types"].as_array().unwrap().len(),
        ALL_TYPES.len()
    );
    // An unknown endpoint is a 404, whatever is asked of it.
    let missing = format!("{WEBHOOKS}/whk_nothing");
    for method in [Method::GET, Method::DELETE] {
        let response = admin_call(&app, &root, method, &missing, Value::Null).await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let replay = format!("{missing}/deliveries/dlv_x/replay");
    let response = admin_call(&app, &root, Method::POST, &replay, json!({})).await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn at_most_fifty_endpoints_and_the_secret_is_shown_once() {
    let app = TestApp::spawn().await;
    let root = admin(&app).await;
    let receiver = Receiver::start().await;
    let mut secrets = Vec::new();
    for n in 0..50 {
        let (_, secret) = subscribe(
            &app,
            &root,
            &receiver.url(&format!("/{n}")),
            &["person.created"],
        )
        .await;
        secrets.push(secret);
    }
    let body = json!({"url": receiver.url("/51"), "event_types": ["person.created"]});
    let response = admin_call(&app, &root, Method::POST, WEBHOOKS, body).await;
    assert_api_error(response, StatusCode::CONFLICT, "too_many_webhooks").await;
    let listed = admin_call(&app, &root, Method::GET, WEBHOOKS, Value::Null).await;
    let listed = json_answer(listed, StatusCode::OK).await.to_string();
    assert!(secrets.iter().all(|s| !listed.contains(s.as_str())));
    // The trail says who subscribed, never the secret.
    let trail = app.trail("webhook.created").await;
    assert_eq!(trail.len(), 50);
    assert!(
        secrets
            .iter()
            .all(|s| !format!("{trail:?}").contains(s.as_str()))
    );
    crate::support::assert_not_logged(&secrets.iter().map(String::as_str).collect::<Vec<_>>());
}

/// The real binary against `app`'s database, allowed to call loopback as the server is.
fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let env = crate::support::cli_env(&app.database);
    crate::support::run_farm_auth(dir.path(), &env, args, None)
}

#[tokio::test]
async fn the_command_line_subscribes_lists_and_deletes_an_endpoint() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let url = receiver.url("/hooks");
    let args = [
        "webhook",
        "create",
        "--url",
        &url,
        "--event",
        "person.created",
        "--json",
    ];
    let created = crate::support::stdout_json(&cli(&app, &args));
    let secret = created["secret"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    let ada = app.person("ada", Role::Consumer).await;
    wait_for_event(&receiver, &secret, "person.created", "person_id", &ada).await;

    let listed = cli(&app, &["webhook", "list", "--json"]);
    let listed = crate::support::stdout_json(&listed);
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret));
    let unknown = crate::support::operator(
        &app,
        &[
            "webhook",
            "create",
            "--url",
            &url,
            "--event",
            "person.hacked",
        ],
    );
    crate::support::assert_one_line_error(&unknown, "unknown event type");
    assert!(cli(&app, &["webhook", "delete", &id]).status.success());
    let listed = cli(&app, &["webhook", "list", "--json"]);
    assert_eq!(crate::support::stdout_json(&listed), json!([]));
}
