//! A second factor that this server cannot check refuses the sign-in instead of being
//! skipped: a person whose second step is a passkey, at a server whose issuer is an IP
//! address (where passkeys cannot work), is not signed in by the password alone; an
//! authenticator app or a recovery code they also have still works.

use farm_auth::accounts::users::Role;
use farm_auth::store::factors::PasskeyRecord;
use reqwest::StatusCode;

use crate::support::{TestApp, code_now, enrol, give_code, is_signed_in, password_step, sign_in};

/// Gives `user_id` a passkey, as one registered while the server had a host-named issuer.
async fn has_passkey(app: &TestApp, user_id: &str) {
    let passkey = PasskeyRecord {
        credential_id: format!("cred-{user_id}"),
        user_id: user_id.into(),
        name: "Phone".into(),
        credential: "{}".into(),
        created_at: app.clock.now(),
        last_used_at: None,
    };
    app.store.insert_passkey(&passkey).await.unwrap();
}

#[tokio::test]
async fn a_person_whose_only_second_factor_is_a_passkey_is_not_signed_in_where_passkeys_cannot_be_checked()
 {
    let app = TestApp::spawn().await;
    assert!(
        app.issuer.starts_with("http://127.0.0.1:"),
        "{}",
        app.issuer
    );
    let kim = app.person("kim", Role::Consumer).await;
    has_passkey(&app, &kim).await;

    let signed = sign_in(&app, "kim", crate::support::PASSWORD).await;
    assert_eq!(signed.status, StatusCode::FORBIDDEN, "{}", signed.page);
    assert!(
        signed.page.contains("Your second step cannot be used here"),
        "{}",
        signed.page
    );
    assert!(!is_signed_in(&signed.agent).await);
    // Nor is the second step open for a code, which the account does not have.
    let (path, _, _) = signed.agent.navigate("/login/second-factor").await.page();
    assert!(path.starts_with("/login"), "{path}");
    assert!(!is_signed_in(&signed.agent).await);

    let refused = app
        .store
        .list_audit_events(Some(&kim), 50)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event == "login.second_factor")
        .expect("the refusal is in the trail");
    assert_eq!(refused.outcome, "failure");
}

#[tokio::test]
async fn an_authenticator_app_still_signs_in_a_person_who_also_has_a_passkey_where_passkeys_cannot_be_checked()
 {
    let app = TestApp::spawn().await;
    let lou = app.person("lou", Role::Consumer).await;
    let enrolled = enrol(&app, "lou").await;
    has_passkey(&app, &lou).await;

    let (agent, page) = password_step(&app, "lou").await;
    assert!(!page.contains("Use a passkey"), "{page}");
    assert!(!is_signed_in(&agent).await);
    let code = code_now(&app, &enrolled.secret);
    let (path, _, _) = give_code(&agent, &page, "totp", &code).await.page();
    assert_eq!(path, "/account");
    assert!(is_signed_in(&agent).await);
}

#[tokio::test]
async fn a_recovery_code_still_signs_in_a_person_who_also_has_a_passkey_where_passkeys_cannot_be_checked()
 {
    let app = TestApp::spawn().await;
    let mia = app.person("mia", Role::Consumer).await;
    let enrolled = enrol(&app, "mia").await;
    has_passkey(&app, &mia).await;

    let (agent, page) = password_step(&app, "mia").await;
    let code = &enrolled.recovery_codes[0];
    let (path, _, _) = give_code(&agent, &page, "recovery", code).await.page();
    assert_eq!(path, "/account");
    assert!(is_signed_in(&agent).await);
}
