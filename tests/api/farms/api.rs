//! The farm operations of the account API (`/api/v1/me/farms…`) and the admin API
//! (`/api/v1/admin/farms…`): documented and routed, answers that fit the document, the
//! same rules as the pages (role limits, another farm is 404, the last owner stays), JSON
//! errors and never a 500 for hostile input; the database checked after each refusal.

use std::collections::BTreeSet;

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::green_acres;
use crate::support::{
    TestApp, UserAgent, assert_api_error, assert_documented, call_api, concrete_path,
    is_farm_operation, json_answer, openapi_document, operations_in, send_json,
};

const FARM_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/me/farms"),
    ("get", "/api/v1/me/farms/{id}"),
    ("get", "/api/v1/me/farms/{id}/members"),
    ("delete", "/api/v1/me/farms/{id}/members/{member}"),
    ("put", "/api/v1/me/farms/{id}/members/{member}/role"),
    ("get", "/api/v1/me/farms/{id}/invitations"),
    ("post", "/api/v1/me/farms/{id}/invitations"),
    ("delete", "/api/v1/me/farms/{id}/invitations/{invitation}"),
    ("post", "/api/v1/me/farms/{id}/leave"),
    ("post", "/api/v1/me/farms/{id}/hand-over"),
    ("post", "/api/v1/me/farm-invitations/accept"),
    ("get", "/api/v1/admin/farms"),
    ("get", "/api/v1/admin/farms/{id}"),
    ("post", "/api/v1/admin/farms/{id}/approve"),
    ("post", "/api/v1/admin/farms/{id}/refuse"),
    ("post", "/api/v1/admin/farms/{id}/suspend"),
    ("post", "/api/v1/admin/farms/{id}/reactivate"),
    ("post", "/api/v1/admin/farms/{id}/members"),
    ("delete", "/api/v1/admin/farms/{id}/members/{member}"),
    ("put", "/api/v1/admin/farms/{id}/members/{member}/role"),
];

/// An access token with `scope` for `username` (an existing person), from a platform app.
async fn token(app: &TestApp, username: &str, scope: &str) -> String {
    let client = app.web_client(scope).await;
    let tokens = app
        .sign_in_for_tokens(&UserAgent::new(app), &client, username, scope)
        .await;
    tokens["access_token"].as_str().unwrap().to_string()
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    match body {
        Some(body) => send_json(app, method, path, Some(token), &body).await,
        None => call_api(app, method, path, Some(token), None).await,
    }
}

#[tokio::test]
async fn every_farm_operation_is_documented_routed_and_asks_for_a_token() {
    let app = TestApp::spawn().await;
    let doc = openapi_document(&app).await;
    let documented: BTreeSet<(String, String)> = operations_in(&doc)
        .into_iter()
        .filter(|(_, path)| is_farm_operation(path))
        .collect();
    let routed: BTreeSet<(String, String)> = FARM_OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);
    for (method, path) in FARM_OPERATIONS {
        let operation = &doc["paths"][path][method];
        assert!(operation["operationId"].is_string() && operation["summary"].is_string());
        let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = call_api(&app, verb, &concrete_path(path), None, None).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_member_works_with_their_farm_through_the_account_api() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let doc = openapi_document(&app).await;
    let olive = token(&app, "olive", "openid account").await;
    let listed = json_answer(
        call(&app, Method::GET, "/api/v1/me/farms", &olive, None).await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/me/farms", 200, &listed);
    assert_eq!(listed[0]["id"], farm);
    assert_eq!(listed[0]["role"], "owner");
    let one = json_answer(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/me/farms/{farm}"),
            &olive,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/me/farms/{id}", 200, &one);
    let members = json_answer(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/me/farms/{farm}/members"),
            &olive,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/me/farms/{id}/members", 200, &members);
    assert_eq!(members.as_array().unwrap().len(), 3);

    let invited = json_answer(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/me/farms/{farm}/invitations"),
            &olive,
            Some(json!({"email": "wren@farm.example", "role": "manager"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_documented(
        &doc,
        "post",
        "/api/v1/me/farms/{id}/invitations",
        201,
        &invited,
    );
    let open = json_answer(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/me/farms/{farm}/invitations"),
            &olive,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/me/farms/{id}/invitations", 200, &open);
    let id = invited["id"].as_str().unwrap();
    let response = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/farms/{farm}/invitations/{id}"),
        &olive,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let sam = app.user("sam").await;
    let path = format!("/api/v1/me/farms/{farm}/members/{}/role", sam.id);
    let response = call(
        &app,
        Method::PUT,
        &path,
        &olive,
        Some(json!({"role": "manager"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let path = format!("/api/v1/me/farms/{farm}/members/{}", sam.id);
    let response = call(&app, Method::DELETE, &path, &olive, None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let mia = token(&app, "mia", "openid account").await;
    let response = call(
        &app,
        Method::POST,
        &format!("/api/v1/me/farms/{farm}/leave"),
        &mia,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.member_rows(&farm).await.len(), 1);
}

#[tokio::test]
async fn the_account_api_refuses_what_the_farm_role_does_not_allow_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    app.person("bert", Role::Consumer).await;
    let other = app.active_farm("Blue Hills", "bert").await;
    let (olive, bert) = (app.user("olive").await, app.user("bert").await);
    let mia = token(&app, "mia", "openid account").await;
    let owner = token(&app, "olive", "openid account").await;
    let before = (app.member_rows(&farm).await, app.member_rows(&other).await);
    let role_of = |farm: &str, user: &str| format!("/api/v1/me/farms/{farm}/members/{user}/role");
    let cases = [
        (
            Method::PUT,
            role_of(&farm, &olive.id),
            &mia,
            Some(json!({"role": "staff"})),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            Method::PUT,
            role_of(&other, &bert.id),
            &mia,
            Some(json!({"role": "staff"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("/api/v1/me/farms/{other}"),
            &mia,
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            format!("/api/v1/me/farms/{farm}/leave"),
            &owner,
            None,
            StatusCode::CONFLICT,
            "last_owner",
        ),
        (
            Method::POST,
            format!("/api/v1/me/farms/{farm}/invitations"),
            &mia,
            Some(json!({"email": "a@farm.example", "role": "owner"})),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            Method::PUT,
            role_of(&farm, &olive.id),
            &owner,
            Some(json!({"role": "boss\u{0}"})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            format!("/api/v1/me/farms/{farm}/invitations"),
            &owner,
            Some(json!({"email": "x".repeat(10_000), "role": "staff"})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::PUT,
            role_of("%E2%80%AE", &olive.id),
            &owner,
            Some(json!({"role": "staff"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            "/api/v1/me/farm-invitations/accept".to_string(),
            &owner,
            Some(json!({"token": "\u{0}"})),
            StatusCode::BAD_REQUEST,
            "invalid_invitation",
        ),
    ];
    for (method, path, token, body, status, error) in cases {
        let response = call(&app, method, &path, token, body).await;
        assert_api_error(response, status, error).await;
        assert_eq!(
            (app.member_rows(&farm).await, app.member_rows(&other).await),
            before,
            "{path}"
        );
    }
    assert!(app.trail("farm.action_refused").await.len() >= 4);
    // A token without the account scope gets nothing.
    let weak = token(&app, "olive", "openid").await;
    let response = call(&app, Method::GET, "/api/v1/me/farms", &weak, None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_administrator_decides_on_farms_and_manages_members_through_the_admin_api() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    app.person("olga", Role::Admin).await;
    let doc = openapi_document(&app).await;
    let admin = token(&app, "olga", "openid admin").await;
    let listed = json_answer(
        call(
            &app,
            Method::GET,
            "/api/v1/admin/farms?status=active",
            &admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/farms", 200, &listed);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let response = call(
        &app,
        Method::GET,
        "/api/v1/admin/farms?status=gone",
        &admin,
        None,
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    let one = json_answer(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/admin/farms/{farm}"),
            &admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_documented(&doc, "get", "/api/v1/admin/farms/{id}", 200, &one);
    assert_eq!(one["members"].as_array().unwrap().len(), 3);

    let base = format!("/api/v1/admin/farms/{farm}");
    let response = call(&app, Method::POST, &format!("{base}/approve"), &admin, None).await;
    assert_api_error(response, StatusCode::CONFLICT, "wrong_status").await;
    let response = call(
        &app,
        Method::POST,
        &format!("{base}/suspend"),
        &admin,
        Some(json!({"reason": ""})),
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(app.farm_status(&farm).await.as_deref(), Some("active"));
    let response = call(
        &app,
        Method::POST,
        &format!("{base}/suspend"),
        &admin,
        Some(json!({"reason": "checks"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = call(
        &app,
        Method::POST,
        &format!("{base}/reactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let response = call(
        &app,
        Method::POST,
        &format!("{base}/members"),
        &admin,
        Some(json!({"username": "xavier", "role": "staff"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = call(
        &app,
        Method::POST,
        &format!("{base}/members"),
        &admin,
        Some(json!({"username": "xavier", "role": "staff"})),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "already_member").await;
    let xavier = app.user("xavier").await;
    let response = call(
        &app,
        Method::PUT,
        &format!("{base}/members/{}/role", xavier.id),
        &admin,
        Some(json!({"role": "manager"})),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let olive = app.user("olive").await;
    let before = app.member_rows(&farm).await;
    let response = call(
        &app,
        Method::DELETE,
        &format!("{base}/members/{}", olive.id),
        &admin,
        None,
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "last_owner").await;
    assert_eq!(app.member_rows(&farm).await, before);
    let response = call(
        &app,
        Method::POST,
        "/api/v1/admin/farms/%00/approve",
        &admin,
        None,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // A member's token, even an owner's with the admin scope asked, is not an administrator's.
    let owner = token(&app, "olive", "openid admin").await;
    let response = call(&app, Method::GET, "/api/v1/admin/farms", &owner, None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_owner_hands_the_farm_over_through_the_api_and_a_manager_cannot() {
    let app = TestApp::spawn().await;
    let farm = green_acres(&app).await;
    let (mia, sam) = (app.user("mia").await, app.user("sam").await);
    let path = format!("/api/v1/me/farms/{farm}/hand-over");
    let manager = token(&app, "mia", "openid account").await;
    let before = app.member_rows(&farm).await;
    let body = json!({"member_id": sam.id, "step_down": true});
    let response = call(&app, Method::POST, &path, &manager, Some(body)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.member_rows(&farm).await, before);
    let olive = token(&app, "olive", "openid account").await;
    for bad in [
        json!({}),
        json!({"member_id": "nobody"}),
        json!({"member_id": 7}),
    ] {
        let response = call(&app, Method::POST, &path, &olive, Some(bad.clone())).await;
        assert!(response.status().is_client_error(), "{bad}");
        assert_eq!(app.member_rows(&farm).await, before, "{bad}");
    }
    let body = json!({"member_id": mia.id, "step_down": true});
    let response = call(&app, Method::POST, &path, &olive, Some(body)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let rows = app.member_rows(&farm).await;
    let olive_id = app.user("olive").await.id;
    assert!(rows.contains(&(mia.id.clone(), "owner".into())), "{rows:?}");
    assert!(rows.contains(&(olive_id, "manager".into())), "{rows:?}");
}
