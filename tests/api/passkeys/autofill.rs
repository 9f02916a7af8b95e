//! Passkey autofill (WebAuthn conditional mediation): the login page's username field is
//! marked for the script, which asks for a passkey quietly; the server runs that request as
//! its own ceremony, a passkey alone through the sign-in state machine, single-use.

use reqwest::StatusCode;
use serde_json::json;

use super::{
    LOGIN_FINISH, account_page, assert_refused, at_login_page, passkey_app, person_with_passkey,
    post_json, start_login,
};

#[tokio::test]
async fn the_username_field_reads_username_and_the_script_is_told_where_to_offer_passkeys() {
    let app = passkey_app().await;
    let (agent, _) = at_login_page(&app).await;
    let (_, _, page) = agent.navigate("/login").await.page();
    // "webauthn" is appended by the script only where the browser can autofill passkeys.
    assert!(
        page.contains(r#"id="username" name="username" type="text" autocomplete="username" "#),
        "{page}"
    );
    assert!(!page.contains("username webauthn"), "{page}");
    assert!(
        page.contains(r#"data-passkey-autofill="username""#),
        "{page}"
    );
    let response = agent.get("/static/passkeys.js").await;
    assert_eq!(response.status(), StatusCode::OK);
    let script = response.text().await.unwrap();
    assert!(script.contains(r#""username webauthn""#), "{script}");
    assert!(
        script.contains("isConditionalMediationAvailable"),
        "{script}"
    );
    assert!(
        script.contains(r#"getPasskey(options, "conditional""#),
        "{script}"
    );
}

#[tokio::test]
async fn a_passkey_picked_from_the_username_field_signs_in_and_its_challenge_answers_once() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "una").await;
    let (agent, csrf) = at_login_page(&app).await;

    // A malformed answer spends the challenge too.
    let options = start_login(&app, &agent, &csrf, "autofill").await;
    let garbage = json!({ "credential": "garbage", "autofill": true });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &garbage).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null, "autofill": true });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let why = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(why.contains("expired"), "{why}");

    let options = start_login(&app, &agent, &csrf, "autofill").await;
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null, "autofill": true });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let page = account_page(&agent).await;
    assert!(page.contains("<strong>Phone</strong>"), "{page}");
}

#[tokio::test]
async fn the_autofill_and_the_button_keep_their_own_challenges() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "vic").await;
    let (agent, csrf) = at_login_page(&app).await;

    // The page loads (the autofill starts), then the person clicks the button: a late
    // autofill start must not replace the button's challenge, nor the other way round.
    let quiet = start_login(&app, &agent, &csrf, "autofill").await;
    let button = start_login(&app, &agent, &csrf, "passwordless").await;
    let late = start_login(&app, &agent, &csrf, "autofill").await;
    assert_ne!(
        quiet["publicKey"]["challenge"],
        late["publicKey"]["challenge"]
    );

    // The replaced autofill challenge no longer answers.
    let stale = authenticator.authenticate(&quiet, &app.issuer).unwrap();
    let body = json!({ "credential": stale, "request": null, "autofill": true });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // The button's challenge is still the one it was given.
    let answer = authenticator.authenticate(&button, &app.issuer).unwrap();
    let body = json!({ "credential": answer, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
}

#[tokio::test]
async fn an_autofill_answer_given_as_the_buttons_is_refused_and_spends_the_buttons_challenge() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "wyn").await;
    let (agent, csrf) = at_login_page(&app).await;
    let autofill = start_login(&app, &agent, &csrf, "autofill").await;
    let button = start_login(&app, &agent, &csrf, "passwordless").await;
    let crossed = authenticator.authenticate(&autofill, &app.issuer).unwrap();
    let body = json!({ "credential": crossed, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert!(reply.0.is_client_error(), "{reply:?}");
    let late = authenticator.authenticate(&button, &app.issuer).unwrap();
    let body = json!({ "credential": late, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}
