//! Passkeys that work: a signed-in person adds a discoverable passkey (with the password,
//! named as text, twenty at most), uses it as the second factor after the password or alone
//! without a username; a removed one no longer signs in, and every step is audited.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::support::{
    PASSWORD, SignIn, SoftAuthenticator, UserAgent, hidden_fields, is_signed_in, signed_in,
};

#[tokio::test]
async fn a_signed_in_person_adds_a_discoverable_passkey_with_user_verification() {
    let app = passkey_app().await;
    let user_id = app.person("ada", Role::Consumer).await;
    let SignIn { agent, page, .. } = signed_in(&app, "ada").await;
    assert!(page.contains("data-passkey-register"), "{page}");
    assert!(page.contains("Add a passkey"), "{page}");
    assert!(page.contains("No passkeys yet"), "{page}");

    let (csrf, options) = start_registration(&app, &agent).await;
    let public_key = &options["publicKey"];
    let selection = &public_key["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required", "{options}");
    assert_eq!(selection["requireResidentKey"], true, "{options}");
    assert_eq!(selection["userVerification"], "required", "{options}");
    assert_eq!(public_key["rp"]["id"], "localhost", "{options}");
    assert_eq!(public_key["user"]["name"], "ada", "{options}");
    assert!(
        public_key["excludeCredentials"]
            .as_array()
            .is_none_or(|list| list.is_empty()),
        "{options}"
    );

    let mut authenticator = SoftAuthenticator::default();
    let credential = authenticator.register(&options, &app.issuer).unwrap();
    let body = json!({ "name": "Kitchen laptop", "credential": credential });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));

    let page = account_page(&agent).await;
    assert!(page.contains("<strong>Kitchen laptop</strong>"), "{page}");
    assert!(page.contains("Your passkey is added."), "{page}");
    assert!(!page.contains("No passkeys yet"), "{page}");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, "Kitchen laptop");
    assert_eq!(stored[0].credential_id, credential["id"].as_str().unwrap());
    assert!(page.contains(&stored[0].credential_id), "{page}");

    // The same authenticator again: the options exclude what it holds, so it refuses.
    let (csrf, options) = start_registration(&app, &agent).await;
    let excluded: Vec<&str> = options["publicKey"]["excludeCredentials"]
        .as_array()
        .expect("excludeCredentials")
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, [stored[0].credential_id.as_str()]);
    let refused = authenticator.register(&options, &app.issuer).unwrap_err();
    assert!(refused.contains("InvalidStateError"), "{refused}");
    // And an authenticator that presents the same credential anyway is refused by the server.
    let again = authenticator
        .register_existing(&options, &app.issuer, 0)
        .unwrap();
    let body = json!({ "name": "Again", "credential": again });
    let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // Nor can another account claim that credential: a credential has one owner.
    let other_id = app.person("bob", Role::Consumer).await;
    let SignIn { agent: other, .. } = signed_in(&app, "bob").await;
    // (Presenting a credential the server has never seen is accepted: only the duplicate
    // is refused below.)
    let mut spare = SoftAuthenticator::default();
    let (_, options) = start_registration(&app, &other).await;
    spare.register(&options, &app.issuer).unwrap();
    let (csrf, options) = start_registration(&app, &other).await;
    let unseen = spare.register_existing(&options, &app.issuer, 0).unwrap();
    let body = json!({ "name": "Spare", "credential": unseen });
    let reply = post_json(&app, &other, REGISTER_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let (csrf, options) = start_registration(&app, &other).await;
    let stolen = authenticator
        .register_existing(&options, &app.issuer, 0)
        .unwrap();
    let body = json!({ "name": "Not mine", "credential": stolen });
    let reply = post_json(&app, &other, REGISTER_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    let others = app.store.list_passkeys(&other_id).await.unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].name, "Spare");
    let owner = app
        .store
        .find_passkey(&stored[0].credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.user_id, user_id);

    // A name is needed, and a short one.
    for name in ["   ", &"x".repeat(65)] {
        let (csrf, options) = start_registration(&app, &agent).await;
        let mut fresh = SoftAuthenticator::default();
        let credential = fresh.register(&options, &app.issuer).unwrap();
        let body = json!({ "name": name, "credential": credential });
        let reply = post_json(&app, &agent, REGISTER_FINISH, &csrf, &body).await;
        let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
        assert!(error.contains("name"), "{error}");
    }
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_passkey_is_the_second_factor_after_the_password() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "cai").await;
    let client = app.web_client("openid profile").await;

    // A new browser, sent by a relying party: the password is right, then the passkey.
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let (path, _, page) = agent.log_in(landing, "cai", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    assert!(
        page.contains(r#"data-passkey-login="second-factor""#),
        "{page}"
    );
    assert!(page.contains("Use a passkey"), "{page}");
    let csrf = data_csrf(&page);
    let request = data_request(&page);

    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let allowed = options["publicKey"]["allowCredentials"]
        .as_array()
        .expect("allowCredentials");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(allowed.len(), 1, "{options}");
    assert_eq!(allowed[0]["id"], stored[0].credential_id.as_str());
    assert_eq!(options["publicKey"]["userVerification"], "required");

    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": request });
    let (status, reply) = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let next = reply["next"].as_str().expect("next");
    assert_eq!(next, format!("/oauth2/authorize/resume?request={request}"));

    let landing = agent.navigate(next).await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["pwd", "hwk", "mfa"]));

    let used = app.store.list_passkeys(&user_id).await.unwrap();
    assert!(used[0].last_used_at.is_some());
}

#[tokio::test]
async fn a_new_password_required_stops_a_passkey_after_the_password_but_not_a_passkey_alone() {
    use farm_auth::accounts::admin::{self, Actor};

    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "cai").await;

    // The password step passes, then an administrator requires a new password.
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, "cai", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let user = app.store.find_user_by_id(&user_id).await.unwrap().unwrap();
    admin::require_password_reset(&app.state, &user, Actor::CommandLine)
        .await
        .expect("a new password required");

    // The passkey as the second factor: refused, told to choose a new password.
    let csrf = data_csrf(&page);
    let options = start_login(&app, &agent, &csrf, "second-factor").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    let message = assert_refused(&reply, StatusCode::FORBIDDEN);
    assert!(
        message.contains("You need to choose a new password before you sign in"),
        "{message}"
    );
    assert!(!is_signed_in(&agent).await);
    let live = app
        .store
        .list_live_login_sessions(&user_id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let events = app
        .store
        .list_audit_events(Some(&user_id), 100)
        .await
        .unwrap();
    let stopped: Vec<_> = events
        .iter()
        .filter(|e| {
            e.event == "login.passkey"
                && e.outcome == "failure"
                && e.detail.as_deref() == Some("an administrator required a new password")
        })
        .collect();
    assert_eq!(stopped.len(), 1, "{events:#?}");

    // The passkey alone is not the password: it still signs in.
    let agent = signed_in_with_passkey_alone(&app, &mut authenticator).await;
    assert!(is_signed_in(&agent).await);
    assert!(
        app.store
            .find_user_by_id(&user_id)
            .await
            .unwrap()
            .unwrap()
            .password_reset_required,
        "the requirement stays until a new password is chosen"
    );
}

#[tokio::test]
async fn a_passkey_alone_signs_in_without_a_username() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "dev").await;
    let client = app.web_client("openid profile").await;

    let (agent, csrf) = at_login_page(&app).await;
    let (_, _, page) = agent.navigate("/login").await.page();
    assert!(page.contains("Sign in with a passkey"), "{page}");
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    assert!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(|list| list.is_empty()),
        "{options}"
    );
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential, "request": null });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_eq!(reply, (StatusCode::OK, json!({ "next": "/account" })));
    let page = account_page(&agent).await;
    assert!(page.contains("<strong>Phone</strong>"), "{page}");

    // The next authorization request needs no password: the passkey was two factors.
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["hwk", "mfa"]));

    // From a relying party's request, the sign-in resumes it.
    let agent = UserAgent::new(&app);
    let landing = agent
        .navigate(&app.authorize_url(&client, "openid", &[]))
        .await;
    let landing = passwordless_for_request(&app, &agent, landing, &mut authenticator).await;
    let amr = amr_of(&app, &agent, &client, landing).await;
    assert_eq!(amr, json!(["hwk", "mfa"]));

    let used = app.store.list_passkeys(&user_id).await.unwrap();
    assert!(used[0].last_used_at.is_some());
    assert_eq!(authenticator.credentials[0].counter, 2);
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in_and_every_step_is_audited() {
    let app = passkey_app().await;
    let (user_id, mut authenticator) = person_with_passkey(&app, "ivy").await;
    let credential_id = app.store.list_passkeys(&user_id).await.unwrap()[0]
        .credential_id
        .clone();

    // A sign-in with it, and a refused one.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let reply = post_json(
        &app,
        &agent,
        LOGIN_FINISH,
        &csrf,
        &json!({ "credential": credential }),
    )
    .await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    let (stranger, csrf) = at_login_page(&app).await;
    let stale = start_login(&app, &stranger, &csrf, "passwordless").await;
    start_login(&app, &stranger, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&stale, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &stranger, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);

    // Someone else cannot remove it.
    app.person("jon", Role::Consumer).await;
    let SignIn {
        agent: jon, page, ..
    } = signed_in(&app, "jon").await;
    let csrf = hidden_fields(&page, "/logout")
        .into_iter()
        .find(|(n, _)| n == "csrf_token")
        .unwrap()
        .1;
    let response = jon
        .post(
            "/account/passkeys/delete",
            &[
                ("csrf_token", &csrf),
                ("credential_id", &credential_id),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (_, _, page) = jon.follow(response).await.page();
    assert!(page.contains("That passkey was already gone."), "{page}");
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);

    // Its owner can.
    let (owner, page) = signed_in_with_passkey(&app, "ivy", &mut authenticator).await;
    assert!(page.contains("Remove Phone"), "{page}");
    // Not without the password once more.
    let landing = owner
        .submit(&page, "/account/passkeys/delete", &[("password", "not it")])
        .await;
    let (_, _, page) = landing.page();
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 1);
    let landing = owner
        .submit(&page, "/account/passkeys/delete", &[("password", PASSWORD)])
        .await;
    let (path, _, page) = landing.page();
    assert_eq!(path, "/account");
    assert!(page.contains("The passkey is removed."), "{page}");
    assert!(!page.contains("Remove Phone"), "{page}");
    assert!(app.store.list_passkeys(&user_id).await.unwrap().is_empty());
    // A second removal finds nothing.
    let csrf = data_csrf(&page);
    let response = owner
        .post(
            "/account/passkeys/delete",
            &[
                ("csrf_token", &csrf),
                ("credential_id", &credential_id),
                ("password", PASSWORD),
            ],
        )
        .await;
    let (_, _, page) = owner.follow(response).await.page();
    assert!(page.contains("That passkey was already gone."), "{page}");

    // The authenticator still holds it, but it signs no one in.
    let (agent, csrf) = at_login_page(&app).await;
    let options = start_login(&app, &agent, &csrf, "passwordless").await;
    let credential = authenticator.authenticate(&options, &app.issuer).unwrap();
    let body = json!({ "credential": credential });
    let reply = post_json(&app, &agent, LOGIN_FINISH, &csrf, &body).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(!is_signed_in(&agent).await);
    // And the password alone is enough again: no second-factor step.
    signed_in(&app, "ivy").await;

    let events = app.store.list_audit_events(None, 100).await.unwrap();
    let has = |event: &str, outcome: &str, user: Option<&str>| {
        events
            .iter()
            .any(|e| e.event == event && e.outcome == outcome && e.user_id.as_deref() == user)
    };
    assert!(
        has("passkey.added", "success", Some(&user_id)),
        "{events:?}"
    );
    assert!(
        has("login.passkey", "success", Some(&user_id)),
        "{events:?}"
    );
    assert!(
        has("login.passkey", "failure", Some(&user_id)),
        "{events:?}"
    );
    assert!(has("login.passkey", "failure", None), "{events:?}");
    assert!(
        has("passkey.removed", "success", Some(&user_id)),
        "{events:?}"
    );
    let removed = events
        .iter()
        .filter(|e| e.event == "passkey.removed")
        .count();
    assert_eq!(removed, 1, "{events:?}");
    let added = events.iter().find(|e| e.event == "passkey.added").unwrap();
    assert_eq!(added.detail.as_deref(), Some("Phone"));
}

#[tokio::test]
async fn passkey_names_are_shown_as_text_and_an_account_holds_twenty() {
    let app = passkey_app().await;
    let user_id = app.person("oto", Role::Consumer).await;
    let SignIn { agent, .. } = signed_in(&app, "oto").await;
    let mut authenticator = SoftAuthenticator::default();
    add_passkey(
        &app,
        &agent,
        &mut authenticator,
        "<b>Bold</b> & \"quoted\"\u{7}",
    )
    .await;
    let page = account_page(&agent).await;
    assert!(!page.contains("<b>Bold</b>"), "{page}");
    assert!(page.contains("&#60;b&#62;Bold&#60;/b&#62;"), "{page}");
    let stored = app.store.list_passkeys(&user_id).await.unwrap();
    assert_eq!(
        stored[0].name, "<b>Bold</b> & \"quoted\"",
        "control characters dropped"
    );

    for n in 2..=20 {
        let mut fresh = SoftAuthenticator::default();
        add_passkey(&app, &agent, &mut fresh, &format!("Key {n}")).await;
    }
    assert_eq!(app.store.list_passkeys(&user_id).await.unwrap().len(), 20);
    let csrf = data_csrf(&account_page(&agent).await);
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": PASSWORD}),
    )
    .await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("as many passkeys"), "{error}");
}

#[tokio::test]
async fn adding_a_passkey_needs_the_password() {
    let app = passkey_app().await;
    app.person("ned", Role::Consumer).await;
    let SignIn { agent, page, .. } = signed_in(&app, "ned").await;
    let csrf = data_csrf(&page);
    let reply = post_json(
        &app,
        &agent,
        REGISTER_START,
        &csrf,
        &json!({"password": "nope"}),
    )
    .await;
    let error = assert_refused(&reply, StatusCode::BAD_REQUEST);
    assert!(error.contains("password"), "{error}");
    let reply = post_json(&app, &agent, REGISTER_START, &csrf, &json!({})).await;
    assert_refused(&reply, StatusCode::BAD_REQUEST);
}
