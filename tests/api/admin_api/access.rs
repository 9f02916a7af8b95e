//! Who may call the admin API: an `admin`-scoped token of a person who is an unlocked
//! administrator now; anything else is 401 or 403 and changes nothing.

use farm_auth::accounts::users::Role;
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::support::{TestApp, api_person, assert_api_error, call_api};

#[tokio::test]
async fn the_admin_api_wants_an_admin_scoped_token_of_a_current_administrator() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let ops = admin(&app, "ops").await;
    let path = "/api/v1/admin/users";

    // No token: a challenge without an error code.
    let response = call_api(&app, Method::GET, path, None, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("error="), "{challenge}");

    // A token that is not one of ours.
    let response = get(&app, path, "not-a-token").await;
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    assert_api_error(response, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // An administrator's token without the admin scope.
    let account_only = api_person(
        &app,
        "clerk",
        Role::Admin,
        "openid account",
        "openid account",
    )
    .await;
    let response = get(&app, path, &account_only.token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "insufficient_scope").await;

    // The admin scope, but not an administrator.
    for (name, role) in [("wren", Role::Farmer), ("robin", Role::Consumer)] {
        let person = api_person(&app, name, role, ADMIN_SCOPE, ADMIN_SCOPE).await;
        let response = get(&app, path, &person.token).await;
        assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = put(
            &app,
            &format!("{}/roles", user_path(&person.id)),
            &person.token,
            &json!({"roles": ["admin"]}),
        )
        .await;
        assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(
            stored_user(&app, &person.id).await.roles,
            vec![role.as_str()]
        );
    }

    // An app's own token with the admin scope: no person, no administrator.
    let bot = app.machine_client("admin").await;
    let bot_token = app.access_token(&bot, Some("admin")).await;
    let response = get(&app, path, &bot_token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    // Administrators are in; taking the role away shuts them out at the next call.
    ok(get(&app, path, &ops.token).await).await;
    let demoted = ok(put(
        &app,
        &format!("{}/roles", user_path(&ops.id)),
        &root.token,
        &json!({"roles": ["consumer"]}),
    )
    .await)
    .await;
    assert_eq!(demoted["roles"], json!(["consumer"]));
    let response = get(&app, path, &ops.token).await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = post(
        &app,
        &format!("{}/lock", user_path(&root.id)),
        &ops.token,
        &json!({"reason": "coup"}),
    )
    .await;
    assert_api_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(stored_user(&app, &root.id).await.locked.is_none());

    // Given back, and then locked: a locked administrator is refused too.
    ok(put(
        &app,
        &format!("{}/roles", user_path(&ops.id)),
        &root.token,
        &json!({"roles": ["admin"]}),
    )
    .await)
    .await;
    ok(get(&app, path, &ops.token).await).await;
    ok(post(
        &app,
        &format!("{}/lock", user_path(&ops.id)),
        &root.token,
        &json!({"reason": "left the company"}),
    )
    .await)
    .await;
    let status = get(&app, path, &ops.token).await.status();
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "a locked administrator got {status}"
    );
}
