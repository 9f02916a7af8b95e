//! Registration tokens in the console: one issued registers an app, a withdrawn one no
//! longer does, and bad numbers are refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::support::{TestApp, hidden_fields};

/// POSTs a registration (RFC 7591) with `token`.
async fn register_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .post(app.url("/oauth2/register"))
        .bearer_auth(token)
        .json(&json!({"client_name": "Shop", "redirect_uris": ["https://shop.example/cb"]}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_registration_token_issued_in_the_console_registers_an_app() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let (landed, status, page) = send(
        &olga,
        TOKENS,
        TOKENS,
        &[("vendor", "Shop Co"), ("uses", "2"), ("days", "3")],
    )
    .await;
    assert_eq!(
        (landed.as_str(), status),
        (TOKENS, StatusCode::OK),
        "{page}"
    );
    assert!(page.contains("Registration token for Shop Co"), "{page}");
    assert!(page.contains("up to 2 apps"), "{page}");
    let token = code(&page, "secret").expect("the token, this once");
    assert!(page.contains(&format!("{}/oauth2/register", app.issuer)));

    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].vendor.as_deref(), Some("Shop Co"));
    assert_eq!(stored[0].uses_left, 2);
    assert_eq!(stored[0].issued_by.as_deref(), Some(olga_id.as_str()));
    assert_eq!(stored[0].expires_at - stored[0].created_at, 3 * 86_400);
    assert_ne!(stored[0].token_hash, token, "only the hash is kept");

    let response = register_with(&app, &token).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let client_id = body["client_id"].as_str().expect("a client id");
    let client = app.store.find_client(client_id).await.unwrap().unwrap();
    assert_eq!(client.vendor.as_deref(), Some("Shop Co"));

    let list = open(&olga, TOKENS).await;
    assert!(!list.contains(&token), "the list shows the token");
    let row = &rows(&list)[0];
    assert!(
        row.contains("<td>Shop Co</td><td>1</td><td>olga</td>"),
        "{row}"
    );
    assert_eq!(events(&app, "initial_access_token.created").await.len(), 1);
}

#[tokio::test]
async fn a_withdrawn_registration_token_no_longer_registers() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let (_, _, page) = send(&olga, TOKENS, TOKENS, &[("vendor", "Shop Co")]).await;
    let token = code(&page, "secret").expect("the token");

    let list = open(&olga, TOKENS).await;
    let withdraw = format!("{TOKENS}/withdraw");
    let hash = hidden_fields(&list, &withdraw)
        .into_iter()
        .find(|(name, _)| name == "token")
        .expect("the withdraw form names the token")
        .1;
    let page = send_back(&olga, TOKENS, &withdraw, &[]).await;
    assert_done(&page, "The token is withdrawn");
    assert!(page.contains("<p>None.</p>"), "{page}");
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let response = register_with(&app, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(app.store.list_clients().await.unwrap().is_empty());
    assert_eq!(
        events(&app, "initial_access_token.withdrawn").await.len(),
        1
    );

    // Again, or something that is no token: refused.
    let csrf = any_csrf(&page);
    for id in [hash.as_str(), "abc", &"0".repeat(64), &"a".repeat(1000)] {
        let response = olga
            .post(&withdraw, &[("csrf_token", csrf.as_str()), ("token", id)])
            .await;
        let (landed, _, page) = olga.follow(response).await.page();
        assert_eq!(landed, TOKENS);
        assert_refused(&page, "already used up, expired or withdrawn");
    }
    assert_eq!(
        events(&app, "initial_access_token.withdrawn").await.len(),
        1
    );
}

#[tokio::test]
async fn registration_tokens_with_bad_numbers_are_refused() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    // (days, uses, refusal)
    let cases: [(&str, &str, &str); 9] = [
        ("abc", "1", "whole numbers"),
        ("1", "1.5", "whole numbers"),
        ("1", "0", "a token allows 1 to 100 registrations"),
        ("1", "101", "a token allows 1 to 100 registrations"),
        ("1", "-3", "a token allows 1 to 100 registrations"),
        ("31", "1", "the lifetime must be"),
        ("-1", "1", "the lifetime must be"),
        ("0", "1", "the lifetime must be"),
        ("9223372036854775807", "1", "the lifetime must be"),
    ];
    for (days, uses, refusal) in cases {
        let (landed, status, page) =
            send(&olga, TOKENS, TOKENS, &[("days", days), ("uses", uses)]).await;
        assert_eq!(
            (landed.as_str(), status),
            (TOKENS, StatusCode::OK),
            "days {days}, uses {uses}"
        );
        assert_refused(&page, refusal);
        assert_eq!(code(&page, "secret"), None);
    }
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(events(&app, "initial_access_token").await.is_empty());
}

#[tokio::test]
async fn withdrawing_with_a_nul_byte_in_the_token_is_refused_not_a_500() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let csrf = any_csrf(&open(&olga, TOKENS).await);
    let token = format!("{}\0", "a".repeat(63));
    let response = olga
        .post(
            &format!("{TOKENS}/withdraw"),
            &[("csrf_token", csrf.as_str()), ("token", token.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, _, page) = olga.follow(response).await.page();
    assert_refused(&page, "already used up, expired or withdrawn");
}

#[tokio::test]
async fn a_token_for_a_farm_issued_in_the_console_registers_the_farms_app_and_a_pending_farm_gets_none()
 {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let farm = crate::support::farm_owned_by(
        &app,
        &olga_id,
        "Olga's Orchard",
        farm_auth::domain::FarmStatus::Active,
    )
    .await;
    let (_, status, page) = send(&olga, TOKENS, TOKENS, &[("farm_id", farm.as_str())]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(&format!("Registration token for farm {farm}")),
        "{page}"
    );
    let token = code(&page, "secret").expect("the token, this once");
    let body: Value = register_with(&app, &token).await.json().await.unwrap();
    let client = app
        .store
        .find_client(body["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.farm_id.as_deref(), Some(farm.as_str()));

    let pending = crate::support::farm_owned_by(
        &app,
        &olga_id,
        "Later Farm",
        farm_auth::domain::FarmStatus::Pending,
    )
    .await;
    let page = send_back(&olga, TOKENS, TOKENS, &[("farm_id", pending.as_str())]).await;
    assert_refused(&page, "the farm is not active");
    let page = send_back(&olga, TOKENS, TOKENS, &[("farm_id", "no\u{0}farm")]).await;
    assert_refused(&page, "no such farm");
    assert_eq!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .len(),
        0,
        "the one issued was used; nothing else stored"
    );
}
