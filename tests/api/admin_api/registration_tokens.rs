//! Initial access tokens through the API: a farmer issues them for their own company, an
//! administrator for anyone.

use farm_auth::accounts::users::Role;
use farm_auth::secrets::hash_secret;
use farm_auth::store::audit::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{TestApp, api_person, assert_api_error, call_api, json_answer};

#[tokio::test]
async fn a_farmer_issues_registration_tokens_for_their_company_and_an_admin_for_anyone() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let wren = api_person(
        &app,
        "wren",
        Role::Farmer,
        "openid account",
        "openid account",
    )
    .await;
    let path = "/api/v1/me/initial-access-tokens";
    ok(put(
        &app,
        &format!("{}/company", user_path(&wren.id)),
        &root.token,
        &json!({"company": "Green Acres"}),
    )
    .await)
    .await;

    let issued = json_answer(
        post(
            &app,
            path,
            &wren.token,
            &json!({"ttl": 3600, "uses": 3, "vendor": "Someone Else Ltd"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let token = issued["token"].as_str().unwrap();
    assert!(token.len() >= 43, "{issued}");
    assert_eq!(issued["expires_at"], app.clock.now() + 3600);
    assert_eq!(issued["uses"], 3);
    // A farmer's apps carry their company, whatever they ask.
    assert_eq!(issued["vendor"], "Green Acres");
    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].token_hash, hash_secret(token));
    assert_eq!(stored[0].issued_by.as_deref(), Some(wren.id.as_str()));
    assert_eq!(stored[0].vendor.as_deref(), Some("Green Acres"));
    assert_eq!(stored[0].uses_left, 3);
    let record = trail(
        &app,
        AuditFilter {
            event: Some("initial_access_token.created"),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(record[0].user_id.as_deref(), Some(wren.id.as_str()));
    assert_eq!(record[0].actor_id.as_deref(), Some(wren.id.as_str()));
    assert!(!format!("{:?}", record[0]).contains(token));

    // Defaults: a day, one use.
    let issued = json_answer(
        post(&app, path, &wren.token, &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["expires_at"], app.clock.now() + 86_400);
    assert_eq!(issued["uses"], 1);

    let before = snapshot(&app).await;
    for body in [
        json!({"ttl": 59}),
        json!({"ttl": 30 * 86_400 + 1}),
        json!({"uses": 0}),
        json!({"uses": 101}),
        json!({"ttl": "an hour"}),
    ] {
        let response = post(&app, path, &wren.token, &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    assert_eq!(snapshot(&app).await, before);
    // Under /me the vendor is the caller's own company: a name sent along is not read.
    let ignored = json_answer(
        post(&app, path, &wren.token, &json!({"vendor": "v".repeat(101)})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(ignored["vendor"], json!("v".repeat(101)));
    let before = snapshot(&app).await;
    // A consumer may not; an app's own token has no person.
    let robin = api_person(
        &app,
        "robin",
        Role::Consumer,
        "openid account",
        "openid account",
    )
    .await;
    let response = post(&app, path, &robin.token, &json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let before_robin = before.tokens.clone();
    let bot = app.machine_client("account").await;
    let bot_token = app.access_token(&bot, Some("account")).await;
    let response = post(&app, path, &bot_token, &json!({})).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
    let response = call_api(&app, Method::POST, path, None, Some(b"{}".to_vec())).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap(),
        before_robin
    );

    // Under /me, an administrator's token is for their own company too (their username
    // while none is on record), whatever `vendor` says; naming another vendor needs /admin.
    let mine = |body: Value| {
        let root = &root;
        let app = &app;
        async move {
            json_answer(
                post(app, path, &root.token, &body).await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let issued = mine(json!({"vendor": " Orchard Apps "})).await;
    assert_eq!(issued["vendor"], "root");
    let issued = mine(json!({})).await;
    assert_eq!(issued["vendor"], "root");
    ok(put(
        &app,
        &format!("{}/company", user_path(&root.id)),
        &root.token,
        &json!({"company": "Platform Ops"}),
    )
    .await)
    .await;
    let issued = mine(json!({"vendor": "Orchard Apps"})).await;
    assert_eq!(issued["vendor"], "Platform Ops");
    let token = issued["token"].as_str().unwrap();
    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    let row = stored
        .iter()
        .find(|row| row.token_hash == hash_secret(token))
        .expect("stored");
    assert_eq!(row.vendor.as_deref(), Some("Platform Ops"));
    assert_eq!(row.issued_by.as_deref(), Some(root.id.as_str()));
    let issued = json_answer(
        post(
            &app,
            "/api/v1/admin/initial-access-tokens",
            &root.token,
            &json!({"vendor": " Orchard Apps "}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(issued["vendor"], "Orchard Apps");
    let response = post(
        &app,
        "/api/v1/admin/initial-access-tokens",
        &wren.token,
        &json!({}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;
}
