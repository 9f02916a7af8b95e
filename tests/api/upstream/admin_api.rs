//! Administrators configure providers through the admin API too: the secret is never
//! answered, a taken id is a conflict, and deleting takes the links along.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{api_person, assert_api_error, call_api, json_answer, send_json};

const PATH: &str = "/api/v1/admin/upstreams";
const SECRET: &str = "the provider's client secret";

#[tokio::test]
async fn an_administrator_configures_lists_and_deletes_a_provider() {
    let pair = Pair::new().await;
    let app = &pair.down;
    let root = api_person(app, "root", Role::Admin, "openid admin", "openid admin").await;
    let body = json!({
        "id": "google",
        "label": "Google",
        "issuer": "https://accounts.google.com",
        "client_id": "farm-auth.apps",
        "client_secret": SECRET,
    });
    let created = send_json(app, Method::POST, PATH, Some(&root.token), &body).await;
    let created = json_answer(created, StatusCode::CREATED).await;
    assert_eq!(created["scopes"], "openid email profile");
    assert_eq!(
        created["redirect_uri"],
        format!("{}/login/upstream/callback", app.issuer)
    );
    assert!(!created.to_string().contains(SECRET));
    let again = send_json(app, Method::POST, PATH, Some(&root.token), &body).await;
    assert_api_error(again, StatusCode::CONFLICT, "upstream_taken").await;
    let listed = call_api(app, Method::GET, PATH, Some(&root.token), None).await;
    let listed = json_answer(listed, StatusCode::OK).await;
    assert_eq!(listed["upstreams"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(SECRET));
    // Deleting the provider Carol signed up with takes her link along.
    pair.sign_up().await;
    let path = format!("{PATH}/{PROVIDER}");
    let deleted = call_api(app, Method::DELETE, &path, Some(&root.token), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let links = app.store.upstream_links_of(&pair.carol_sub).await.unwrap();
    assert!(links.is_empty());
    let carol = app
        .store
        .find_user_by_username(CAROL)
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.store
            .upstream_links_of(&carol.id)
            .await
            .unwrap()
            .is_empty()
    );
    let gone = call_api(app, Method::DELETE, &path, Some(&root.token), None).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_provider_with_a_plain_http_issuer_is_refused() {
    let app = TestApp::spawn().await;
    let root = api_person(&app, "root", Role::Admin, "openid admin", "openid admin").await;
    let body = json!({
        "id": "google",
        "label": "Google",
        "issuer": "http://accounts.google.com",
        "client_id": "x",
        "client_secret": "y",
    });
    let refused = send_json(&app, Method::POST, PATH, Some(&root.token), &body).await;
    assert_api_error(refused, StatusCode::BAD_REQUEST, "invalid_upstream").await;
}
