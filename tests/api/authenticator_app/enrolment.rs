//! Setting up an authenticator app on the account page: it needs the password and mails the
//! person, shows a QR code, the secret and the otpauth URI, turns on with the first right code
//! only and shows ten recovery codes once; removing it needs the password.

use farm_auth::accounts::totp::{ISSUER, code_at};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use url::Url;

use super::*;
use crate::support::{
    Landing, PASSWORD, SignIn, TestApp, UserAgent, code_element, csrf_of, enrol, password_step,
    recovery_codes_on, signed_in, start_enrolment, wrong_code,
};

#[tokio::test]
async fn the_enrolment_page_shows_a_qr_code_the_secret_and_the_otpauth_uri() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    assert!(account.contains("Set up an authenticator app"), "{account}");
    let page = start_enrolment(&agent, &account).await;
    // The page holds the secret: never cached.
    let response = agent.get("/account/totp").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");

    // The QR code is drawn inline by the server, not fetched from anywhere.
    let figure_start = page.find("<figure class=\"qr\"").expect("a QR figure");
    let figure =
        &page[figure_start..figure_start + page[figure_start..].find("</figure>").unwrap()];
    assert!(
        figure.contains("<svg") && figure.contains("</svg>"),
        "{figure}"
    );
    assert!(
        !figure.contains("<img") && !figure.contains("src="),
        "{figure}"
    );

    let secret = code_element(&page, "secret");
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    let uri = code_element(&page, "uri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let parsed = Url::parse(&uri).expect("a URI");
    let param = |name: &str| Landing::param(&parsed, name);
    assert_eq!(param("secret").as_deref(), Some(secret.as_str()));
    assert_eq!(param("issuer").as_deref(), Some(ISSUER), "{uri}");
    assert!(parsed.path().ends_with(":marigold"), "{uri}");

    // Still only an enrolment, of the secret shown: the password alone signs in.
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.confirmed_at, None);
    assert_eq!(factor.secret, secret);
    signed_in(&app, "marigold").await;

    // Starting again replaces the secret of an unconfirmed enrolment.
    let (_, _, account) = agent.navigate("/account").await.page();
    let again = start_enrolment(&agent, &account).await;
    assert_ne!(code_element(&again, "secret"), secret);
}

#[tokio::test]
async fn a_wrong_code_does_not_turn_the_app_on() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");

    let wrong = wrong_code(&secret, app.clock.now());
    for code in [wrong.as_str(), "", "abcdef", "12345"] {
        let (path, status, page) = agent
            .submit(&page, "/account/totp/confirm", &[("code", code)])
            .await
            .page();
        assert_eq!(path, "/account/totp", "{code:?}: {page}");
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(WRONG_CODE), "{code:?}: {page}");
        // The same enrolment, to try again.
        assert_eq!(code_element(&page, "secret"), secret);
    }
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.confirmed_at, None);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 0);
    let (_, _, account) = agent.navigate("/account").await.page();
    assert!(account.contains("Set up an authenticator app"), "{account}");
    assert!(!account.contains("An authenticator app is set up"));
    // The password alone still signs in.
    signed_in(&app, "marigold").await;
}

#[tokio::test]
async fn the_first_right_code_turns_the_app_on_and_shows_ten_recovery_codes_once() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    let page = start_enrolment(&agent, &account).await;
    let secret = code_element(&page, "secret");
    let code = code_at(&secret, app.clock.now()).unwrap();
    // People type the code in groups.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let mut form = crate::support::hidden_fields(&page, "/account/totp/confirm");
    form.push(("code".into(), spaced));
    let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = agent.post("/account/totp/confirm", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/account/recovery-codes");
    // The codes are shown on a page that is never cached.
    let response = agent.get("/account/recovery-codes").await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (path, status, page) = agent.follow(response).await.page();
    assert_eq!(path, "/account/recovery-codes", "{page}");
    assert_eq!(status, StatusCode::OK);
    let codes = recovery_codes_on(&page);
    assert_eq!(codes.len(), 10, "{page}");
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    for code in &codes {
        // 24 characters of 5 bits: 120 bits, above ASVS 6.5.2's 112.
        assert_eq!(code.len(), 29, "{code}");
        assert_eq!(code.matches('-').count(), 5, "{code}");
    }
    assert!(page.contains("This is the only time we show them."));
    assert!(
        app.store
            .find_totp(&id)
            .await
            .unwrap()
            .unwrap()
            .confirmed_at
            .is_some()
    );
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 10);

    // Shown once: the page is gone on the next visit, and no code is on the account page.
    let (path, _, account) = agent.navigate("/account/recovery-codes").await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("An authenticator app is set up. You have 10 unused recovery codes."),
        "{account}"
    );
    for code in &codes {
        assert!(!account.contains(code.as_str()));
    }
    assert!(!account.contains(&secret));
    // No enrolment waits any more, and a new one cannot replace the app that is set up.
    let (path, _, _) = agent.navigate("/account/totp").await.page();
    assert_eq!(path, "/account");
    // The form is gone from the page; the session's CSRF token is the one every form carries.
    let csrf = csrf_of(&account, "/account/totp/disable");
    let form = [("csrf_token", csrf.as_str()), ("password", PASSWORD)];
    let response = agent.post("/account/totp", &form).await;
    let (path, _, account) = agent.follow(response).await.page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("An authenticator app is already set up."),
        "{account}"
    );
    let factor = app.store.find_totp(&id).await.unwrap().unwrap();
    assert_eq!(factor.secret, secret);
    assert!(factor.confirmed_at.is_some());
}

#[tokio::test]
async fn setting_up_an_app_needs_the_password_and_the_person_is_told_by_mail() {
    let app = TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let SignIn {
        agent,
        page: account,
        ..
    } = signed_in(&app, "marigold").await;
    // Whoever holds a signed-in browser must not tie the account to their own phone.
    let (path, _, page) = agent
        .submit(
            &account,
            "/account/totp",
            &[("password", "not the password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        page.contains("Your current password is not right."),
        "{page}"
    );
    assert!(
        app.store
            .find_totp(&user_id(&app, "marigold").await)
            .await
            .unwrap()
            .is_none()
    );

    // An address nobody confirmed may be someone else's: it is told nothing.
    app.person("clover", Role::Consumer).await;
    enrol(&app, "clover").await;

    let id = user_id(&app, "marigold").await;
    let now = app.clock.now();
    assert!(
        app.store
            .set_email_verified(&id, "marigold@farm.example", now)
            .await
            .unwrap()
    );
    enrol(&app, "marigold").await;
    let notice = app.wait_for_mail("marigold@farm.example", 1).await;
    assert!(
        notice.contains("Subject: A change to how you sign in"),
        "{notice}"
    );
    assert!(
        notice.contains("An authenticator app was set up"),
        "{notice}"
    );
    assert!(
        notice.contains(&format!("{}/account", app.issuer)),
        "{notice}"
    );
}

#[tokio::test]
async fn removing_the_app_needs_the_password_and_then_the_password_alone_signs_in() {
    let app = TestApp::spawn().await;
    let id = app.person("marigold", Role::Farmer).await;
    let client = app.web_client(SCOPE).await;
    let enrolled = enrol(&app, "marigold").await;
    let agent = enrolled.agent;

    let (_, _, account) = agent.navigate("/account").await.page();
    let (path, _, account) = agent
        .submit(
            &account,
            "/account/totp/disable",
            &[("password", "not my password")],
        )
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("Your current password is not right."),
        "{account}"
    );
    assert!(account.contains("An authenticator app is set up."));
    password_step(&app, "marigold").await;

    let (path, _, account) = agent
        .submit(&account, "/account/totp/disable", &[("password", PASSWORD)])
        .await
        .page();
    assert_eq!(path, "/account");
    assert!(
        account.contains("The authenticator app and its recovery codes are removed."),
        "{account}"
    );
    assert!(account.contains("Set up an authenticator app"));
    assert_eq!(app.store.find_totp(&id).await.unwrap(), None);
    assert_eq!(app.store.count_recovery_codes(&id).await.unwrap(), 0);

    // The password alone signs in again; the ID token says so.
    let other = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&other, &client, "marigold", SCOPE)
        .await;
    let claims = app
        .verify_id_token(&client, tokens["id_token"].as_str().unwrap())
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    // And at the provider: straight to the account page.
    signed_in(&app, "marigold").await;
}
