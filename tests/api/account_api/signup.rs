//! Sign-up through the API: an app signs up consumers and farmers (never administrators), a
//! confirmation link is mailed, taken names are a conflict, and weak or malformed input stores
//! nothing and is never a server error.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    NEW_PASSWORD, TestApp, assert_api_error, call_api, json_answer, link_in, password_works,
};

#[tokio::test]
async fn an_app_signs_a_consumer_up_and_a_confirmation_link_is_mailed() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let response = post(
        &app,
        "/api/v1/users",
        Some(&token),
        &signup("wren", "wren@farm.example", SIGNUP_PASSWORD),
    )
    .await;
    let body = json_answer(response, StatusCode::CREATED).await;
    let stored = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .expect("the account is stored");
    assert_eq!(
        body,
        json!({
            "id": stored.id,
            "username": "wren",
            "display_name": null,
            "email": "wren@farm.example",
            "email_verified": false,
            "roles": ["consumer"],
        })
    );
    assert!(!stored.id.is_empty());
    assert_eq!(stored.roles, vec!["consumer".to_string()]);

    let mail = app.wait_for_mail("wren@farm.example", 1).await;
    assert!(
        mail.contains("Subject: Confirm your email address"),
        "{mail}"
    );
    link_in(&mail, &format!("{}/email/verify?token=", app.issuer));
    // The password is the one given.
    assert!(password_works(&app, "wren", SIGNUP_PASSWORD).await);
}

#[tokio::test]
async fn an_app_may_sign_up_a_farmer_but_never_an_admin() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let mut farmer = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    farmer["role"] = json!("farmer");
    farmer["farm_name"] = json!("Wren's Orchard");
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &farmer).await,
        StatusCode::CREATED,
    )
    .await;
    // The farm waits for an administrator; until then the farmer is a consumer.
    assert_eq!(body["roles"], json!(["consumer"]));
    let mut consumer = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    consumer["role"] = json!("consumer");
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &consumer).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["roles"], json!(["consumer"]));

    for role in ["admin", "Admin", "", "farmer admin"] {
        let mut body = signup("mallory", "mallory@farm.example", SIGNUP_PASSWORD);
        body["role"] = json!(role);
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_role").await;
    }
    assert!(!exists(&app, "mallory").await);

    // Roles given any other way are not read.
    let mut body = signup("mallory", "mallory@farm.example", SIGNUP_PASSWORD);
    body["roles"] = json!(["admin"]);
    let body = json_answer(
        post(&app, "/api/v1/users", Some(&token), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(body["roles"], json!(["consumer"]));
    let stored = app
        .store
        .find_user_by_username("mallory")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.roles, vec!["consumer".to_string()]);
}

#[tokio::test]
async fn signing_up_a_taken_username_or_email_is_a_conflict() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let first = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &first).await;
    let created = json_answer(response, StatusCode::CREATED).await;

    for body in [
        signup("wren", "other@farm.example", NEW_PASSWORD),
        signup("WREN", "other@farm.example", NEW_PASSWORD),
        signup("other", "wren@farm.example", NEW_PASSWORD),
        signup("other", "Wren@Farm.example", NEW_PASSWORD),
    ] {
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::CONFLICT, "already_registered").await;
    }
    assert!(!exists(&app, "other").await);
    // The first account is untouched.
    let stored = app
        .store
        .find_user_by_username("wren")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json!(stored.id), created["id"]);
    assert_eq!(stored.email, "wren@farm.example");
    assert!(password_works(&app, "wren", SIGNUP_PASSWORD).await);
    assert!(!password_works(&app, "wren", NEW_PASSWORD).await);
}

#[tokio::test]
async fn weak_passwords_and_bad_usernames_or_addresses_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let refused = [
        signup("wren", "wren@farm.example", "short"),
        signup("wren", "wren@farm.example", "password"),
        signup("wren", "wren@farm.example", &"x".repeat(129)),
        signup("wr", "wren@farm.example", SIGNUP_PASSWORD),
        signup("wren smith", "wren@farm.example", SIGNUP_PASSWORD),
        signup("wr\u{0435}n", "wren@farm.example", SIGNUP_PASSWORD),
        signup(&"w".repeat(65), "wren@farm.example", SIGNUP_PASSWORD),
        signup("wren", "not-an-address", SIGNUP_PASSWORD),
        signup("wren", "wren@farm", SIGNUP_PASSWORD),
    ];
    for body in refused {
        let response = post(&app, "/api/v1/users", Some(&token), &body).await;
        assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_user").await;
    }
    for name in ["wren", "wr", "wren smith", "wr\u{0435}n"] {
        assert!(!exists(&app, name).await, "{name} was stored");
    }
    assert!(
        app.store
            .find_user_by_email("wren@farm.example")
            .await
            .unwrap()
            .is_none()
    );

    // A good sign-up afterwards: its confirmation is the only mail sent.
    let body = signup("robin", "robin@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.wait_for_mail("robin@farm.example", 1).await;
    assert_eq!(app.mails().len(), 1, "{:?}", app.mails());
}

#[tokio::test]
async fn malformed_sign_up_bodies_are_invalid_requests_and_never_server_errors() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    let mut padded = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    padded["padding"] = json!("x".repeat(20 * 1024));
    let mut long_name = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    long_name["username"] = json!("w".repeat(20 * 1024));
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", b"{\"username\": \"wren\"".to_vec()),
        ("not JSON", b"username=wren&email=wren@farm.example".to_vec()),
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("a string", b"\"wren\"".to_vec()),
        (
            "missing password",
            json!({"username": "wren", "email": "wren@farm.example"})
                .to_string()
                .into_bytes(),
        ),
        (
            "a number for a username",
            json!({"username": 5, "email": "wren@farm.example", "password": SIGNUP_PASSWORD})
                .to_string()
                .into_bytes(),
        ),
        (
            "an array for a password",
            json!({"username": "wren", "email": "wren@farm.example", "password": [SIGNUP_PASSWORD]})
                .to_string()
                .into_bytes(),
        ),
        (
            "a number for a role",
            json!({"username": "wren", "email": "wren@farm.example", "password": SIGNUP_PASSWORD, "role": 1})
                .to_string()
                .into_bytes(),
        ),
        // The schema says `role` and `farm_name` are strings, not nullable.
        (
            "a null role",
            json!({"username": "wren", "email": "wren@farm.example", "password": SIGNUP_PASSWORD, "role": null})
                .to_string()
                .into_bytes(),
        ),
        (
            "a null farm name",
            json!({"username": "wren", "email": "wren@farm.example", "password": SIGNUP_PASSWORD, "farm_name": null})
                .to_string()
                .into_bytes(),
        ),
        ("invalid UTF-8", b"{\"username\": \"wr\xff\xfen\"}".to_vec()),
        ("20 KB of padding", padded.to_string().into_bytes()),
        ("a 20 KB username", long_name.to_string().into_bytes()),
    ];
    for (what, body) in bodies {
        let response = call_api(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(body),
        )
        .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        // RFC 9110 §15.5.14: a body over the limit is 413, with the same JSON error.
        let expected = match what.starts_with("20 KB") || what.starts_with("a 20 KB") {
            true => StatusCode::PAYLOAD_TOO_LARGE,
            false => StatusCode::BAD_REQUEST,
        };
        assert_eq!(status, expected, "{what}: {text}");
        let answer: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(answer["error"], "invalid_request", "{what}: {text}");
        assert!(answer["error_description"].is_string(), "{what}: {text}");
    }
    // Far over the limit: refused before it is parsed, still never a server error.
    let huge = vec![b' '; 3 * 1024 * 1024];
    let response = call_api(
        &app,
        Method::POST,
        "/api/v1/users",
        Some(&token),
        Some(huge),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.expect("a JSON error for 3 MB too");
    assert_eq!(answer["error"], "invalid_request");
    assert!(!exists(&app, "wren").await);
    assert!(
        app.store
            .find_user_by_email("wren@farm.example")
            .await
            .unwrap()
            .is_none()
    );
    // The server is fine afterwards.
    let body = signup("wren", "wren@farm.example", SIGNUP_PASSWORD);
    let response = post(&app, "/api/v1/users", Some(&token), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.wait_for_mail("wren@farm.example", 1).await;
    assert_eq!(app.mails().len(), 1, "{:?}", app.mails());
}

#[tokio::test]
async fn a_json_array_is_not_accepted_in_place_of_an_object() {
    let app = TestApp::spawn().await;
    let token = app_token(&app).await;
    // The schemas are objects: positional arrays are the wrong type.
    let array = json!(["wren", "wren@farm.example", SIGNUP_PASSWORD, "farmer"]);
    let response = post(&app, "/api/v1/users", Some(&token), &array).await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(!exists(&app, "wren").await);

    app.person("robin", Role::Consumer).await;
    let array = json!(["robin@farm.example"]);
    let response = post(
        &app,
        "/api/v1/password-reset-requests",
        Some(&token),
        &array,
    )
    .await;
    assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}
