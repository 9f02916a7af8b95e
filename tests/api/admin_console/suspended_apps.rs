//! Suspending an app, from the console and the admin API: it gets no tokens, the tokens it
//! has stop working at once (introspection, UserInfo), what people allowed it is kept, and
//! resuming it restores everything. Each change is in the trail; nobody else may do it.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{
    ORDERS, TestApp, UserAgent, api_person, assert_api_error, assert_oauth_error, json_answer,
    send_json,
};

fn suspension(id: &str) -> String {
    format!("/api/v1/admin/clients/{id}/suspension")
}

#[tokio::test]
async fn a_suspended_app_gets_no_tokens_and_its_tokens_stop_until_it_is_resumed() {
    let app = TestApp::spawn().await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let orders = app.api("Orders", ORDERS, &[("orders:read", false)]).await;
    let bot = app.machine_client("orders:read").await;
    // The API the token is for introspects it (RFC 7662 §4).
    let resource_server = orders.client;
    let access = app.access_token(&bot, Some("orders:read")).await;
    assert_eq!(
        app.introspect(&resource_server, &access).await["active"],
        true
    );
    // A person's token from a web app, for UserInfo.
    let person = api_person(
        &app,
        "marigold",
        Role::Consumer,
        "openid profile",
        "openid profile",
    )
    .await;
    assert_eq!(app.userinfo(&person.token).await.status(), StatusCode::OK);

    for id in [&bot.id, &person.client.id] {
        let view = json_answer(
            send_json(
                &app,
                Method::PUT,
                &suspension(id),
                Some(&root.token),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(view["suspended"], true);
    }
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(
        app.introspect(&resource_server, &access).await,
        json!({"active": false})
    );
    assert_eq!(
        app.userinfo(&person.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The authorization endpoint does not know it either.
    let agent = UserAgent::new(&app);
    let (_, status, page) = agent
        .navigate(&app.authorize_url(&person.client, "openid", &[]))
        .await
        .page();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    // Still there for administrators, marked suspended.
    let stored = app.store.find_client(&bot.id).await.unwrap().unwrap();
    assert!(stored.suspended_at.is_some());

    for id in [&bot.id, &person.client.id] {
        let view = json_answer(
            send_json(
                &app,
                Method::DELETE,
                &suspension(id),
                Some(&root.token),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(view["suspended"], false);
    }
    assert_eq!(
        app.introspect(&resource_server, &access).await["active"],
        true
    );
    assert_eq!(app.userinfo(&person.token).await.status(), StatusCode::OK);
    app.access_token(&bot, None).await;

    let trail = app.store.list_audit_events(None, 100).await.unwrap();
    let count = |event: &str| trail.iter().filter(|e| e.event == event).count();
    assert_eq!((count("client.suspended"), count("client.resumed")), (2, 2));
}

#[tokio::test]
async fn only_administrators_suspend_apps_and_unknown_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let farmer = api_person(&app, "wren", Role::Farmer, "openid admin", "openid admin").await;
    let bot = app.machine_client("").await;
    let response = send_json(
        &app,
        Method::PUT,
        &suspension(&bot.id),
        Some(&farmer.token),
        &json!({}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    for id in ["nobody", "%00", &"a".repeat(300)] {
        let response = send_json(
            &app,
            Method::PUT,
            &suspension(id),
            Some(&root.token),
            &json!({}),
        )
        .await;
        assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let stored = app.store.find_client(&bot.id).await.unwrap().unwrap();
    assert_eq!(stored.suspended_at, None);
}

#[tokio::test]
async fn the_console_suspends_and_resumes_an_app() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let bot = app.machine_client("").await;
    let path = format!("/admin/clients/{}", bot.id);
    let action = format!("/admin/clients/{}/suspension", bot.id);
    let page = send_back(&olga, &path, &action, &[]).await;
    assert_done(&page, "is suspended; its tokens no longer work.");
    assert!(page.contains("Resume app"), "{page}");
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let page = send_back(&olga, &path, &action, &[]).await;
    assert_done(&page, "works again.");
    app.access_token(&bot, None).await;
}

#[tokio::test]
async fn a_suspended_vendor_app_cannot_manage_its_registration() {
    let app = TestApp::spawn().await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let token = farm_auth::oauth2::initial_access::issue(
        &app.state,
        farm_auth::accounts::admin::Actor::CommandLine,
        farm_auth::oauth2::initial_access::Request::default(),
    )
    .await
    .unwrap()
    .token;
    let response = app
        .http
        .post(app.url("/oauth2/register"))
        .bearer_auth(token)
        .json(&json!({"client_name": "Shop", "redirect_uris": ["https://shop.example/cb"]}))
        .send()
        .await
        .unwrap();
    let info: serde_json::Value = json_answer(response, StatusCode::CREATED).await;
    let id = info["client_id"].as_str().unwrap();
    let registration_token = info["registration_access_token"].as_str().unwrap();
    json_answer(
        send_json(
            &app,
            Method::PUT,
            &suspension(id),
            Some(&root.token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for method in [Method::GET, Method::DELETE] {
        let response = app
            .http
            .request(method, app.url(&format!("/oauth2/register/{id}")))
            .bearer_auth(registration_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(
        app.store.find_client(id).await.unwrap().is_some(),
        "not deleted"
    );
}
