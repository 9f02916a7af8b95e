//! The display name: set on the account page or with `PUT /api/v1/me/name`, released as the
//! `name` claim of the `profile` scope (the username while none is set), shown as text,
//! and refused when too long or holding control or text-direction characters.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{api_person, assert_api_error, json_answer, shows_escaped, signed_in};
use farm_auth::accounts::users::Role;

#[tokio::test]
async fn a_display_name_set_on_the_page_becomes_the_name_claim_and_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let info = json_answer(app.userinfo(&ada.token).await, StatusCode::OK).await;
    assert_eq!(info["name"], "ada", "the username until a name is set");

    let name = "Ada <b>Lovelace</b> & Zoë";
    let page = on_account_page(&ada.agent, "/account/name", &[("display_name", name)]).await;
    assert!(page.contains("Your display name is saved."), "{page}");
    assert!(shows_escaped(&page, name), "{page}");
    assert!(!page.contains("<b>Lovelace</b>"), "{page}");

    let info = json_answer(app.userinfo(&ada.token).await, StatusCode::OK).await;
    assert_eq!(info["name"], name);
    assert_eq!(info["preferred_username"], "ada");

    let page = on_account_page(&ada.agent, "/account/name", &[("display_name", "  ")]).await;
    assert!(page.contains("Your display name is removed"), "{page}");
    assert_eq!(account(&app, "ada").await.unwrap().display_name, None);
}

#[tokio::test]
async fn the_api_sets_and_clears_the_display_name() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let set = api(
        &app,
        Method::PUT,
        "/api/v1/me/name",
        &ada.token,
        json!({"name": " Ada L. "}),
    );
    let body = json_answer(set.await, StatusCode::OK).await;
    assert_eq!(body["display_name"], "Ada L.");
    assert_eq!(body["username"], "ada");
    let me = crate::support::call_api(&app, Method::GET, "/api/v1/me", Some(&ada.token), None);
    assert_eq!(
        json_answer(me.await, StatusCode::OK).await["display_name"],
        "Ada L."
    );
    let clear = api(
        &app,
        Method::PUT,
        "/api/v1/me/name",
        &ada.token,
        json!({"name": null}),
    );
    assert_eq!(
        json_answer(clear.await, StatusCode::OK).await["display_name"],
        json!(null)
    );
    assert_eq!(account(&app, "ada").await.unwrap().display_name, None);
}

#[tokio::test]
async fn oversized_and_hostile_names_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ada = api_person(&app, "ada", Role::Consumer, ACCOUNT_SCOPE, ACCOUNT_SCOPE).await;
    let long = "é".repeat(65);
    let hostile = [
        long.as_str(),
        "Ada\r\nBcc: all@farm.example",
        "Ada\u{0}",
        "Ada\u{202E}nimda",
        "A\u{200B}da",
    ];
    for name in hostile {
        let answer = api(
            &app,
            Method::PUT,
            "/api/v1/me/name",
            &ada.token,
            json!({"name": name}),
        );
        assert_api_error(answer.await, StatusCode::BAD_REQUEST, "invalid_name").await;
        let page = on_account_page(&ada.agent, "/account/name", &[("display_name", name)]).await;
        assert!(
            page.contains("That name cannot be used"),
            "{name:?}: {page}"
        );
    }
    let wrong_type = api(
        &app,
        Method::PUT,
        "/api/v1/me/name",
        &ada.token,
        json!({"name": 7}),
    );
    assert_api_error(wrong_type.await, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(account(&app, "ada").await.unwrap().display_name, None);
}

#[tokio::test]
async fn the_name_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let ada = signed_in(&app, "ada").await;
    let answer = ada
        .agent
        .post("/account/name", &[("display_name", "Mallory")])
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(account(&app, "ada").await.unwrap().display_name, None);
}
