//! Every way a passkey ceremony can be answered wrongly: replayed, stale, malformed, without
//! the CSRF token, another person's passkey, without user verification, a cloned authenticator,
//! another relying party, an expired step or challenge, and an issuer without a host name.
//! Each is refused with a JSON error, never a server error, and signs nobody in.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::support::{
    PASSWORD, SignIn, SoftAuthenticator, TestApp, UserAgent, hidden_fields, is_signed_in, signed_in,
};

#[tokio::test]
async fn a_replayed_or_stale_assertion_does_not_sign_in() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "eli").await;

    // Answered once, and only once.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    // The sign-in gave the session a new CSRF token; the same answer again is refused.
    let csrf = data_csrf(&account_page(&agent).await);
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Another browser with a ceremony of its own cannot use that answer either.
    let (thief, csrf) = at_login_page(&app).await;
    start_login(&app, &thief, &csrf, "passwordless").await;
    let reply = post_json(&app, &thief, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&thief).await);
    // Nor with none.
    let (thief, csrf) = at_login_page(&app).await;
    let reply = post_json(&app, &thief, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&thief).await);

    // An answer to an earlier challenge, after a new one was asked for.
    let (agent, csrf) = at_login_page(&app).await;
    let first = start_login(&app, &agent, &csrf, "passwordless").await;
    let second = start_login(&app, &agent, &csrf, "passwordless").await;
    assert_ne!(
        first["publicKey"]["challenge"],
        second["publicKey"]["challenge"]
    );
    let stale = authenticator.authenticate(&first, &app.issuer).unwrap();
    let body = json!({ "credential": stale, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    // An answer made for another origin (a phishing site relaying the challenge).
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let phished = authenticator
        .authenticate(&options, "http://localhost.evil.example")
        .unwrap();
    let body = json!({ "credential": phished, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn malformed_passkey_requests_get_json_errors_never_a_server_error() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "fia").await;
    let (agent, csrf) = at_login_page(&app).await;
    let hundred_kb = "a".repeat(100 * 1024);

    let starts: [(&str, Vec<u8>, StatusCode); 6] = [
        ("not JSON", b"{\"mode\": ".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        ("no mode", b"{}".to_vec(), StatusCode::BAD_REQUEST),
        (
            "an unknown mode",
            br#"{"mode":"sideways"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "second factor without a password",
            br#"{"mode":"second-factor"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "100 KB",
            format!(r#"{{"mode":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (what, body, status) in starts {
        let response = post_ceremony(&app, &agent, LOGIN_START, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "start, {what}: {}", reply.1);
        assert_refused(&reply, status);
    }

    // Finishing with no ceremony started.
    let body = json!({ "credential": {}, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Bodies that are no answer at all; each spends a ceremony of its own.
    let bodies: [(&str, Vec<u8>, StatusCode); 4] = [
        (
            "not JSON",
            b"{\"credential\": [".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        (
            "100 KB",
            format!(r#"{{"request":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "a credential that is not one",
            br#"{"credential":{"id":1},"request":null}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, body, status) in bodies {
        start_login(&app, &agent, &csrf, "passwordless").await;
        let response = post_ceremony(&app, &agent, LOGIN_FINISH, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "finish, {what}: {}", reply.1);
        assert_refused(&reply, status);
        assert!(!is_signed_in(&agent).await, "{what} signed in");
    }

    // Right answers to this ceremony, then broken one part at a time.
    let breakages: [Breakage; 7] = [
        ("garbage base64 in the signature", |c| {
            c["response"]["signature"] = json!("!!not*base64!!")
        }),
        ("garbage base64 in the client data", |c| {
            c["response"]["clientDataJSON"] = json!("%%%")
        }),
        ("a wrong signature", |c| {
            c["response"]["signature"] = json!("c2lnbmF0dXJl")
        }),
        ("short authenticator data", |c| {
            c["response"]["authenticatorData"] = json!("AAAA")
        }),
        ("client data that is not JSON", |c| {
            c["response"]["clientDataJSON"] = json!("bm90IGpzb24")
        }),
        ("an unknown credential", |c| {
            c["id"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
            c["rawId"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
        }),
        ("another user handle", |c| {
            c["response"]["userHandle"] = json!("AAAAAAAAAAAAAAAAAAAAAA")
        }),
    ];
    for (what, breakage) in breakages {
        let options = start_login(&app, &agent, &csrf, "passwordless").await;
        let mut credential = authenticator.authenticate(&options, &app.issuer).unwrap();
        breakage(&mut credential);
        let body = json!({ "credential": credential, "request": null });
        let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
        assert_refused(&reply, StatusCode::BAD_REQUEST);
        assert!(!is_signed_in(&agent).await, "{what} signed in");
    }

    // Registering needs a signed-in person.
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_refused(&reply, StatusCode::UNAUTHORIZED);

    // The registration endpoints, for a signed-in person.
    let (signed, _) = signed_in_with_passkey(&app, "fia", &mut authenticator).await;
    let signed_csrf = data_csrf(&account_page(&signed).await);
    let reply = post_json(&app, &signed, REGISTER_FINISH, &signed_csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    let registrations: [(&str, Vec<u8>, StatusCode); 5] = [
        ("not JSON", b"{\"name\": ".to_vec(), StatusCode::BAD_REQUEST),
        ("empty", Vec::new(), StatusCode::BAD_REQUEST),
        (
            "no credential",
            br#"{"name":"x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "100 KB",
            format!(r#"{{"name":"{hundred_kb}"}}"#).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "garbage base64",
            json!({ "name": "x", "credential": {
                "id": "%%%", "rawId": "%%%", "type": "public-key",
                "response": { "attestationObject": "%%%", "clientDataJSON": "%%%" },
                "clientExtensionResults": {}
            }})
            .to_string()
            .into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, body, status) in registrations {
        let (csrf, _) = start_registration(&app, &signed).await;
        let response = post_ceremony(&app, &signed, REGISTER_FINISH, Some(&csrf), body).await;
        let reply = json_reply(response).await;
        assert_eq!(reply.0, status, "register, {what}: {}", reply.1);
        assert_refused(&reply, status);
    }
    // A real registration's answer, broken: an attestation object that is not CBOR.
    let (csrf, options) = start_registration(&app, &signed).await;
    let mut fresh = SoftAuthenticator::default();
    let mut credential = fresh.register(&options, &app.issuer).unwrap();
    credential["response"]["attestationObject"] = json!("AAAA");
    let body = json!({ "name": "Broken", "credential": credential });
    let reply = post_json(&app, &signed, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // After all that, a right answer still signs in.
    let options = start_login(&app, &agent, &login_page_csrf(&agent).await, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(
        &app,
        &agent,
        LOGIN_FINISH,
        &login_page_csrf(&agent).await,
        &body,
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    assert!(is_signed_in(&agent).await);
}

#[tokio::test]
async fn passkey_requests_without_the_csrf_token_are_forbidden() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "gus").await;
    let (agent, csrf) = at_login_page(&app).await;
    let start = json!({ "mode": "passwordless" }).to_string();

    for token in [None, Some("wrong"), Some("")] {
        let response = post_ceremony(&app, &agent, LOGIN_START, token, start.clone()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let finish = json!({ "credential": credential }).to_string();
    for token in [None, Some("wrong")] {
        let response = post_ceremony(&app, &agent, LOGIN_FINISH, token, finish.clone()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    assert!(!is_signed_in(&agent).await);
    // The token of another session is no better.
    let (other, other_csrf) = at_login_page(&app).await;
    let response = post_ceremony(&app, &other, LOGIN_START, Some(&csrf), start.clone()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post_ceremony(&app, &agent, LOGIN_START, Some(&other_csrf), start).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let (signed, page) = signed_in_with_passkey(&app, "gus", &mut authenticator).await;
    let csrf = data_csrf(&page);
    for path in [REGISTER_START, REGISTER_FINISH] {
        for token in [None, Some("wrong")] {
            let response = post_ceremony(&app, &signed, path, token, "{}").await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} {token:?}");
        }
    }
    // The person's own token still works afterwards.
    let (status, _) = post_json(
        &app,
        &signed,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_passkey_of_another_person_is_no_second_factor() {
    let app = passkey_app().await;
    let (_, mut eves) = person_with_passkey(&app, "eve").await;
    let (fay_id, _) = person_with_passkey(&app, "fay").await;

    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "fay", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let mut options = start_login(&app, &agent, &csrf, "second-factor").await;
    // Eve's authenticator would find nothing it holds among Fay's passkeys; made to answer
    // anyway (as a discoverable request), it signs with Eve's.
    options["publicKey"]["allowCredentials"] = json!([]);
    let credential = eves.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    let events = app
        .store
        .list_audit_events(Some(&fay_id), 100)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "login.passkey" && e.outcome == "failure"),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.event == "login.passkey" && e.outcome == "success"),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_passkey_without_user_verification_is_refused() {
    let app = passkey_app().await;
    let user_id = app.person("hal", Role::Consumer).await;
    let SignIn { agent, .. } = signed_in(&app, "hal").await;

    let mut presence_only = SoftAuthenticator {
        user_verified: false,
        ..Default::default()
    };
    let (csrf, options) = start_registration(&app, &agent).await;
    let credential = presence_only.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": "Old key", "credential": credential });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(app.store.list_passkeys(&user_id).await.unwrap().is_empty());

    // A registered passkey that later answers without verifying the person does not sign in.
    let mut authenticator = SoftAuthenticator::default();
    add_passkey(&app, &agent, &mut authenticator, "Phone").await;
    authenticator.user_verified = false;
    let (stranger, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &stranger, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &stranger, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&stranger).await);
}

#[tokio::test]
async fn without_a_host_named_issuer_there_are_no_passkeys() {
    let app = TestApp::spawn().await;
    assert!(
        app.issuer.starts_with("http://127.0.0.1:"),
        "{}",
        app.issuer
    );
    app.person("kim", Role::Consumer).await;

    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/login").await.page();
    assert!(!page.contains("Sign in with a passkey"), "{page}");
    assert!(!page.contains("data-passkey-login"), "{page}");
    assert!(!page.contains("passkeys.js"), "{page}");
    let csrf = hidden_fields(&page, "/login")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    for mode in ["passwordless", "second-factor"] {
        let body = json!({ "mode": mode });
        let reply = post_json(&app, &agent, LOGIN_START, &csrf, &body).await;
        assert_refused(&reply, StatusCode::NOT_FOUND);
    }
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::NOT_FOUND);

    let SignIn {
        agent: signed,
        page,
        ..
    } = signed_in(&app, "kim").await;
    assert!(!page.contains("Add a passkey"), "{page}");
    assert!(!page.contains("data-passkey-register"), "{page}");
    let csrf = hidden_fields(&page, "/logout")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    for path in [REGISTER_START, REGISTER_FINISH] {
        let reply = post_json(&app, &signed, path, &csrf, &json!({})).await;
        assert_refused(&reply, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_cloned_authenticator_whose_counter_lags_is_refused() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "lou").await;

    // Used once alone (the stored counter becomes 1)...
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    // ...and once after the password (2).
    signed_in_with_passkey(&app, "lou", &mut authenticator).await;
    assert_eq!(authenticator.credentials[0].counter, 2);

    // A copy of the key taken before those, counting from where it was copied.
    authenticator.credentials[0].counter = 0;
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    // Nor as a second factor.
    authenticator.credentials[0].counter = 0;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "lou", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);

    let events = app
        .store
        .list_audit_events(Some(&user_id), 100)
        .await
        .unwrap();
    let failures = events
        .iter()
        .filter(|e| e.event == "login.passkey" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 2, "{events:?}");
}

#[tokio::test]
async fn a_passkey_for_another_relying_party_is_refused() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "max").await;
    let (agent, csrf) = at_login_page(&app).await;
    let mut options = start_login(&app, &agent, &csrf, "passwordless").await;
    // Signed for another relying party id (its hash leads the authenticator data).
    options["publicKey"]["rpId"] = json!("evil.example");
    authenticator.credentials[0].rp_id = "evil.example".into();
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
}

#[tokio::test]
async fn the_passkey_step_after_the_password_expires() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "ned").await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "ned", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();

    // The password was right more than five minutes ago (and the challenge, as old, ran
    // out with it).
    app.clock.advance(301);
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(
        error.contains("password") || error.contains("expired"),
        "{error}"
    );
    assert!(!is_signed_in(&agent).await);
    let reply = post_json(
        &app,
        &agent,
        LOGIN_START,
        &csrf,
        &json!({ "mode": "second-factor" }),
    )
    .await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_passkey_challenge_left_unanswered_for_five_minutes_expires() {
    let app = passkey_app().await;
    let (_, mut authenticator) = person_with_passkey(&app, "ned").await;
    let agent = UserAgent::new(&app);
    let (_, _, page) = agent.navigate("/login").await.page();
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    app.clock.advance(301);
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("expired"), "{error}");
    assert!(!is_signed_in(&agent).await);
}

/// What a test does to a right answer, named.
type Breakage = (&'static str, fn(&mut Value));

/// The CSRF token of `agent`'s (signed-out) session, as the login page shows it.
async fn login_page_csrf(agent: &UserAgent) -> String {
    let (_, _, page) = agent.navigate("/login").await.page();
    data_csrf(&page)
}
