//! The download of one's data (GDPR art. 20): a JSON attachment, never cached, with the
//! profile, farms, factors and passkeys (names and dates, never secrets), sessions,
//! connected apps and recent security events, of the person asking and no one else.

use farm_auth::accounts::users::Role;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use super::*;
use crate::support::{api_person, call_api, enrol};

/// The export in `answer`, its headers checked.
async fn export_in(answer: Response) -> Value {
    assert_eq!(answer.status(), StatusCode::OK);
    let headers = answer.headers();
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    answer.json().await.unwrap()
}

#[tokio::test]
async fn the_api_export_holds_the_persons_data_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Farmer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let farm = app.active_farm("Sunny Acres", "ada").await;
    let bob = api_person(&app, "bob", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let answer = call_api(
        &app,
        Method::GET,
        "/api/v1/me/export",
        Some(&ada.token),
        None,
    );
    let data = export_in(answer.await).await;

    assert_eq!(data["profile"]["id"], ada.id.as_str());
    assert_eq!(data["profile"]["email"], "ada@farm.example");
    assert_eq!(data["profile"]["roles"], serde_json::json!(["farmer"]));
    assert_eq!(data["farms"][0]["id"], farm.as_str());
    assert_eq!(data["farms"][0]["role"], "owner");
    assert!(!data["sessions"].as_array().unwrap().is_empty(), "{data}");
    assert_eq!(
        data["connected_apps"][0]["client_id"],
        ada.client.id.as_str()
    );
    let events = data["audit_events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e["event"] == "login.password"),
        "{data}"
    );

    let text = data.to_string();
    for foreign in [bob.id.as_str(), "bob@farm.example", "\"bob\""] {
        assert!(!text.contains(foreign), "{foreign} in {text}");
    }
    assert!(!text.contains("$argon2"), "{text}");
}

#[tokio::test]
async fn the_page_export_is_a_download_without_secrets() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let enrolled = enrol(&app, "ada").await;
    let (_, _, page) = enrolled.agent.navigate("/account").await.page();
    let csrf = crate::support::csrf_of(&page, "/account/export");
    let answer = enrolled
        .agent
        .post("/account/export", &[("csrf_token", &csrf)])
        .await;
    let data = export_in(answer).await;
    assert_eq!(data["profile"]["username"], "ada");
    assert!(data["authenticator_app"]["confirmed_at"].is_i64(), "{data}");
    let text = data.to_string();
    assert!(
        !text.contains(&enrolled.secret),
        "the TOTP secret is never exported"
    );
    for code in &enrolled.recovery_codes {
        assert!(
            !text.contains(code.as_str()),
            "a recovery code is never exported"
        );
    }
    // Without the CSRF token, or signed out, nothing is given.
    let answer = enrolled.agent.post("/account/export", &[]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let answer = call_api(&app, Method::GET, "/api/v1/me/export", None, None).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}
