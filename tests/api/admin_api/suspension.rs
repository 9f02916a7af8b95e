//! An administrator suspends a person through the API: a lock (with a reason that is not
//! blank) ends their sessions, revokes their tokens and keeps them out until unlocked; requiring
//! a password reset mails a link and stops the old password.

use farm_auth::accounts::users::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, UserAgent, api_person, assert_api_error, assert_documented,
    assert_oauth_error, call_api, is_signed_in, json_answer, link_in, openapi_document, resolve,
    sign_in,
};

#[tokio::test]
async fn locking_a_user_ends_their_sessions_revokes_their_tokens_and_keeps_them_out() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = api_person(
        &app,
        "marigold",
        Role::Farmer,
        "openid account offline_access",
        "openid account offline_access",
    )
    .await;
    let refresh = marigold.refresh.clone().expect("a refresh token");
    assert!(is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &marigold.token).await["active"],
        true
    );

    let locked = ok(post(
        &app,
        &format!("{}/lock", user_path(&marigold.id)),
        &root.token,
        &json!({"reason": "  reported for fraud\u{0}\u{7}  "}),
    )
    .await)
    .await;
    assert_eq!(locked["id"], marigold.id);
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["locked_reason"], "reported for fraud");
    assert_eq!(locked["locked_at"], app.clock.now());
    let stored = stored_user(&app, &marigold.id).await;
    assert_eq!(
        stored.locked,
        Some((app.clock.now(), "reported for fraud".to_string()))
    );

    // Signed out, and everything they held is dead.
    assert!(!is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &refresh).await["active"],
        false
    );
    assert!(!active_after_revocation(&app, &marigold.client, &marigold.token).await);
    let refused = app.refresh(&marigold.client, &refresh, None).await;
    assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // The login page says why, to the right password.
    let SignIn { path, page, .. } = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/login");
    assert!(page.contains("This account is locked."), "{page}");

    let record = assert_by_admin(&app, "user.locked", Some(&marigold.id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: reported for fraud")
    );

    // Not yourself.
    let response = post(
        &app,
        &format!("{}/lock", user_path(&root.id)),
        &root.token,
        &json!({"reason": "oops"}),
    )
    .await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert!(stored_user(&app, &root.id).await.locked.is_none());
    ok(get(&app, "/api/v1/admin/keys", &root.token).await).await;

    // Unknown.
    let response = post(
        &app,
        &format!("{}/lock", user_path("nobody")),
        &root.token,
        &json!({"reason": "x"}),
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Unlocked: in again.
    let unlocked = ok(post(
        &app,
        &format!("{}/unlock", user_path(&marigold.id)),
        &root.token,
        &json!({"reason": "cleared by support"}),
    )
    .await)
    .await;
    assert_eq!(unlocked["locked"], false);
    assert_eq!(unlocked["locked_at"], Value::Null);
    assert_eq!(unlocked["locked_reason"], Value::Null);
    assert!(stored_user(&app, &marigold.id).await.locked.is_none());
    let record = assert_by_admin(&app, "user.unlocked", Some(&marigold.id), &root).await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: cleared by support")
    );
    let SignIn { path, .. } = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/account");
}

#[tokio::test]
async fn locking_through_the_api_needs_a_reason_that_is_not_blank() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = api_person(
        &app,
        "marigold",
        Role::Farmer,
        "openid account offline_access",
        "openid account offline_access",
    )
    .await;
    let refresh = marigold.refresh.clone().expect("a refresh token");
    let lock = format!("{}/lock", user_path(&marigold.id));
    let doc = openapi_document(&app).await;

    let before = snapshot(&app).await;
    for body in [
        json!({}),
        json!({"reason": null}),
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "\t\r\n \u{a0}\u{3000}"}),
        json!({"reason": "\u{0}\u{7}\u{1b}\u{7f}"}),
        json!({"reason": " \u{0} \u{85} "}),
        json!({"roles": ["consumer"]}),
    ] {
        let response = post(&app, &lock, &root.token, &body).await;
        let answer = assert_api_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap_or_default()
                .contains("reason"),
            "{body}: {answer}"
        );
        assert_documented(&doc, "post", "/api/v1/admin/users/{id}/lock", 400, &answer);
    }
    // Nothing changed: not locked, nothing in the trail, still signed in, tokens alive.
    assert_eq!(snapshot(&app).await, before);
    assert!(stored_user(&app, &marigold.id).await.locked.is_none());
    assert!(is_signed_in(&marigold.agent).await);
    assert_eq!(
        app.introspect(&marigold.client, &marigold.token).await["active"],
        true
    );
    assert_eq!(
        app.introspect(&marigold.client, &refresh).await["active"],
        true
    );

    // The document says so: the body is required, and so is a reason of at least one
    // character.
    let operation = &doc["paths"]["/api/v1/admin/users/{id}/lock"]["post"];
    assert_eq!(operation["requestBody"]["required"], true);
    let schema = resolve(
        &doc,
        &operation["requestBody"]["content"]["application/json"]["schema"],
    );
    assert_eq!(schema["required"], json!(["reason"]), "{schema}");
    assert_eq!(schema["properties"]["reason"]["type"], "string");
    assert_eq!(schema["properties"]["reason"]["minLength"], 1);

    // A reason with something in it locks, kept trimmed and printable.
    let locked = ok(post(&app, &lock, &root.token, &json!({"reason": " \u{7}x "})).await).await;
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["locked_reason"], "x");
    let record = assert_by_admin(&app, "user.locked", Some(&marigold.id), &root).await;
    assert_eq!(record.detail.as_deref(), Some("by administrator root: x"));
}

#[tokio::test]
async fn requiring_a_password_reset_mails_a_link_and_stops_the_old_password() {
    let app = TestApp::spawn().await;
    let root = admin(&app, "root").await;
    let marigold = api_person(
        &app,
        "marigold",
        Role::Consumer,
        "openid account",
        "openid account",
    )
    .await;
    let reset = format!("{}/password-reset", user_path(&marigold.id));

    let answer = json_answer(
        call_api(&app, Method::POST, &reset, Some(&root.token), None).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(
        answer,
        json!({"password_reset_required": true, "mailed": true})
    );
    assert!(
        stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
    assert!(!is_signed_in(&marigold.agent).await);
    assert!(!active_after_revocation(&app, &marigold.client, &marigold.token).await);
    let record = assert_by_admin(
        &app,
        "user.password_reset_required",
        Some(&marigold.id),
        &root,
    )
    .await;
    assert_eq!(
        record.detail.as_deref(),
        Some("by administrator root: reset link mailed")
    );

    // The old password no longer signs in.
    let SignIn { path, .. } = sign_in(&app, "marigold", PASSWORD).await;
    assert_eq!(path, "/login");

    // The mailed link sets a new one, and clears the requirement.
    let mail = app.wait_for_mail("marigold@farm.example", 1).await;
    assert!(mail.contains("An administrator"), "{mail}");
    let link = link_in(&mail, &format!("{}/password/reset?token=", app.issuer));
    let agent = UserAgent::new(&app);
    let (_, status, form) = agent.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK, "{form}");
    let (_, status, page) = agent
        .submit(&form, "/password/reset", &[("new_password", NEW_PASSWORD)])
        .await
        .page();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        !stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
    assert_eq!(
        sign_in(&app, "marigold", NEW_PASSWORD).await.path,
        "/account"
    );
    assert_eq!(sign_in(&app, "marigold", PASSWORD).await.path, "/login");

    // Not on yourself.
    let own = format!("{}/password-reset", user_path(&root.id));
    let response = call_api(&app, Method::POST, &own, Some(&root.token), None).await;
    assert_api_error(response, StatusCode::CONFLICT, "not_on_yourself").await;
    assert!(!stored_user(&app, &root.id).await.password_reset_required);
    let response = call_api(
        &app,
        Method::POST,
        &format!("{}/password-reset", user_path("nobody")),
        Some(&root.token),
        None,
    )
    .await;
    assert_api_error(response, StatusCode::NOT_FOUND, "not_found").await;

    // Three links an hour: the fourth request still requires a reset, but mails nothing.
    for mailed in [true, true, false] {
        let answer = json_answer(
            call_api(&app, Method::POST, &reset, Some(&root.token), None).await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert_eq!(
            answer,
            json!({"password_reset_required": true, "mailed": mailed})
        );
    }
    assert!(
        stored_user(&app, &marigold.id)
            .await
            .password_reset_required
    );
}
