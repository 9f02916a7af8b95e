//! Who may use the console: someone not signed in is sent to sign in, consumers and farmers
//! get 403, a locked administrator or one who lost the role is refused at the next page; every
//! console page carries the page security headers.

use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::*;
use crate::support::{
    PASSWORD, SignIn, TestApp, UserAgent, assert_page_headers, csrf_of, is_signed_in, sign_in,
    signed_in,
};

#[tokio::test]
async fn someone_not_signed_in_is_sent_to_the_login_page_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let stranger = UserAgent::new(&app);
    for path in console_pages(&ada_id) {
        let (landed, status, page) = stranger.navigate(&path).await.page();
        assert_eq!(
            (landed.as_str(), status),
            ("/login", StatusCode::OK),
            "{path}"
        );
        assert!(page.contains("action=\"/login\""), "{path}");
    }
    // With a CSRF token the login page gave this very browser.
    let csrf = csrf_of(&open(&stranger, "/login").await, "/login");
    for (action, fields) in console_posts(&ada_id) {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        let response = stranger.post(&action, &form).await;
        assert_ne!(response.status(), StatusCode::OK, "{action}");
        assert!(
            matches!(
                response.status(),
                StatusCode::SEE_OTHER | StatusCode::FORBIDDEN
            ),
            "{action}: {}",
            response.status()
        );
        if response.status() == StatusCode::SEE_OTHER {
            assert_eq!(response.headers()[LOCATION], "/login", "{action}");
        }
    }
    assert_nothing_changed(&app, &ada_id).await;
}

#[tokio::test]
async fn consumers_and_farmers_get_403_and_their_posts_change_nothing() {
    let app = TestApp::spawn().await;
    let ada_id = app.person("ada", Role::Consumer).await;
    app.person("carol", Role::Consumer).await;
    app.person("fred", Role::Farmer).await;
    for username in ["carol", "fred"] {
        let agent = signed_in(&app, username).await.agent;
        for path in console_pages(&ada_id) {
            let response = agent.get(&path).await;
            // /admin itself only redirects to the users list.
            let response = match response.status() {
                StatusCode::SEE_OTHER => agent.get("/admin/users").await,
                _ => response,
            };
            assert_forbidden(&format!("{username} GET {path}"), response).await;
        }
        // The session's own, valid CSRF token: what stops them is the role.
        let csrf = any_csrf(&open(&agent, "/account").await);
        for (action, fields) in console_posts(&ada_id) {
            let mut form: Fields = fields.clone();
            form.push(("csrf_token", csrf.as_str()));
            let response = agent.post(&action, &form).await;
            assert_forbidden(&format!("{username} POST {action}"), response).await;
        }
        // Their own account too.
        let me = user(&app, username).await;
        let response = agent
            .post(
                &format!("/admin/users/{}/roles", me.id),
                &[("csrf_token", csrf.as_str()), ("role_admin", "on")],
            )
            .await;
        assert_forbidden(&format!("{username} making themselves admin"), response).await;
        assert_eq!(user(&app, username).await.roles, me.roles);
        assert!(is_signed_in(&agent).await);
    }
    assert_nothing_changed(&app, &ada_id).await;
}

#[tokio::test]
async fn a_locked_administrator_is_refused() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let page = open(&olga, &format!("/admin/users/{ada_id}")).await;
    let csrf = any_csrf(&page);

    // Locked behind the console's back (say from the command line, before the session
    // table was swept): the session still exists, the role is still there.
    let at = app.clock.now();
    app.store
        .set_user_lock(&olga_id, Some((at, "stolen laptop")), at)
        .await
        .unwrap();
    for path in console_pages(&ada_id) {
        let response = olga.get(&path).await;
        let response = match response.status() {
            StatusCode::SEE_OTHER if path == "/admin" => olga.get("/admin/users").await,
            _ => response,
        };
        assert_forbidden(&format!("locked admin GET {path}"), response).await;
    }
    for (action, fields) in console_posts(&ada_id) {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        let response = olga.post(&action, &form).await;
        assert_forbidden(&format!("locked admin POST {action}"), response).await;
    }
    assert_nothing_changed(&app, &ada_id).await;
    let SignIn { path, page, .. } = sign_in(&app, ADMIN, PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(LOCKED), "{page}");
}

#[tokio::test]
async fn an_administrator_is_refused_at_the_next_page_once_another_takes_the_role() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    app.person("boris", Role::Admin).await;
    let boris = signed_in(&app, "boris").await.agent;
    let ada_id = app.person("ada", Role::Consumer).await;

    // Olga has the page of ada open, with its form token, when Boris demotes her.
    let olga_page = open(&olga, &format!("/admin/users/{ada_id}")).await;
    let olga_path = format!("/admin/users/{olga_id}");
    let page = send_back(
        &boris,
        &olga_path,
        &format!("{olga_path}/roles"),
        &[("role_farmer", "on")],
    )
    .await;
    assert_done(&page, "roles: farmer.");
    assert_eq!(user(&app, ADMIN).await.roles, vec!["farmer".to_string()]);

    let response = olga.get("/admin/users").await;
    assert_forbidden("demoted admin, users list", response).await;
    let response = olga.get(&format!("/admin/users/{ada_id}")).await;
    assert_forbidden("demoted admin, user page", response).await;
    let lock = format!("/admin/users/{ada_id}/lock");
    let csrf = csrf_of(&olga_page, &lock);
    let response = olga
        .post(
            &lock,
            &[("csrf_token", csrf.as_str()), ("reason", "revenge")],
        )
        .await;
    assert_forbidden("demoted admin, lock", response).await;
    assert_eq!(user(&app, "ada").await.locked, None);
    // Still signed in: only the console is closed to her.
    assert!(is_signed_in(&olga).await);
    // Boris still has it.
    open(&boris, "/admin/users").await;
}

#[tokio::test]
async fn console_pages_carry_the_page_security_headers() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let bot = app.machine_client("orders:read").await;
    let mut paths = console_pages(&ada_id);
    paths.retain(|p| p != "/admin");
    paths.push(format!("/admin/clients/{}", bot.id));
    for path in paths {
        let response = olga.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_page_headers(&path, &response);
    }
    // The console's own redirect.
    let response = olga.get("/admin").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/admin/users");
}
