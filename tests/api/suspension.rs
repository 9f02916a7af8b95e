//! Suspension by an operator on the command line: a locked person cannot sign in, and
//! nothing they held (sessions, access and refresh tokens) works until they are unlocked.
//! The admin API and the console lock people too: `admin_api::suspension` and
//! `admin_console::suspension`.

use std::time::Duration;

use crate::support::{operator, stdout_json};

#[tokio::test]
async fn a_locked_person_cannot_sign_in_and_nothing_they_held_works_until_unlocked() {
    use crate::support::{PASSWORD, UserAgent};
    use farm_auth::accounts::users::Role;
    use reqwest::StatusCode;

    let app = crate::support::TestApp::spawn().await;
    app.person("marigold", Role::Farmer).await;
    let client = app.web_client("openid offline_access").await;
    let browser = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&browser, &client, "marigold", "openid offline_access")
        .await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    let locked = stdout_json(&operator(
        &app,
        &[
            "user",
            "lock",
            "marigold",
            "--reason",
            "reported for fraud",
            "--json",
        ],
    ));
    assert_eq!(locked["locked"], true);

    // Signed out everywhere, and the tokens are revoked.
    assert_eq!(browser.navigate("/account").await.page().0, "/login");
    let refused = app.refresh(&client, &refresh, None).await;
    crate::support::assert_oauth_error(refused, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let mut revoked = false;
    for _ in 0..50 {
        // Running servers read new revocations every second.
        if app.userinfo(&access).await.status() == StatusCode::UNAUTHORIZED {
            revoked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(revoked, "the access token still works");

    // The right password is told about the lock; a wrong one is told it is wrong, as for
    // anyone, so a stranger learns nothing.
    let person = UserAgent::new(&app);
    let landing = person.navigate("/login").await;
    let (path, _, page) = person.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/login");
    assert!(page.contains("This account is locked."), "{page}");
    let landing = person.navigate("/login").await;
    let (_, _, page) = person
        .log_in(landing, "marigold", "not it at all")
        .await
        .page();
    assert!(
        page.contains("The username or password is wrong."),
        "{page}"
    );
    assert!(!page.contains("locked"), "{page}");

    let events = app.store.list_audit_events(None, 50).await.unwrap();
    let lock = events
        .iter()
        .find(|e| e.event == "user.locked")
        .expect("audited");
    assert_eq!(
        lock.detail.as_deref(),
        Some("by the command line: reported for fraud")
    );

    let unlocked = stdout_json(&operator(
        &app,
        &[
            "user", "unlock", "marigold", "--reason", "cleared", "--json",
        ],
    ));
    assert_eq!(unlocked["locked"], false);
    let events = app.store.list_audit_events(None, 50).await.unwrap();
    let unlock = events
        .iter()
        .find(|e| e.event == "user.unlocked")
        .expect("audited");
    assert_eq!(
        unlock.detail.as_deref(),
        Some("by the command line: cleared")
    );
    let landing = person.navigate("/login").await;
    let (path, _, _) = person.log_in(landing, "marigold", PASSWORD).await.page();
    assert_eq!(path, "/account");
}
