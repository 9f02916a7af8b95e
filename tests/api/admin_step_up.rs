//! Administrators need a second factor and a recent sign-in (decision 73), on by default:
//! the console sends an administrator without a second factor to set one up, and one whose
//! sign-in is too old to sign in again, then back; the admin API refuses a token whose
//! sign-in had no second factor or is too old with RFC 9470's
//! `insufficient_user_authentication`. Both are configurable.

use farm_auth::accounts::users::{self, NewUser, Role};
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};

use crate::support::{
    ApiPerson, Options, PASSWORD, TestApp, TestClient, UserAgent, api_person, assert_api_error,
    call_api, json_answer, signed_in,
};

const ADMIN_SCOPE: &str = "openid admin offline_access";
const USERS: &str = "/api/v1/admin/users";
/// The default `FARM_AUTH_ADMIN_MAX_AUTH_AGE`.
const MAX_AGE: i64 = 3_600;

/// An administrator with a password and nothing else (made as the command line would).
async fn password_only_admin(app: &TestApp, username: &str) {
    let new = NewUser {
        username: username.into(),
        email: format!("{username}@farm.example"),
        password: Some(PASSWORD.into()),
        roles: vec![Role::Admin],
    };
    users::create(&app.state, new).await.expect("user created");
}

/// A password-only administrator `root` signed in to an admin tool: its client and the
/// token response.
async fn password_only_admin_tokens(app: &TestApp) -> (TestClient, serde_json::Value) {
    password_only_admin(app, "root").await;
    let client = app.web_client(ADMIN_SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app
        .sign_in_for_tokens(&agent, &client, "root", ADMIN_SCOPE)
        .await;
    (client, tokens)
}

/// The admin API's answer to `token`.
async fn list_users(app: &TestApp, token: &str) -> reqwest::Response {
    call_api(app, Method::GET, USERS, Some(token), None).await
}

/// Asserts RFC 9470's refusal: 401, the challenge and the JSON body naming
/// `insufficient_user_authentication`; the challenge.
async fn assert_step_up_asked(response: reqwest::Response) -> String {
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_user_authentication\""),
        "{challenge}"
    );
    assert_api_error(
        response,
        StatusCode::UNAUTHORIZED,
        "insufficient_user_authentication",
    )
    .await;
    challenge
}

#[tokio::test]
async fn the_console_sends_an_administrator_without_a_second_factor_to_set_one_up() {
    let app = TestApp::spawn().await;
    password_only_admin(&app, "olga").await;
    let olga = signed_in(&app, "olga").await.agent;

    let (path, status, page) = olga.navigate("/admin/users").await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/admin/users", StatusCode::FORBIDDEN)
    );
    assert!(
        page.contains("The console needs two-step sign-in"),
        "{page}"
    );
    assert!(page.contains("href=\"/account\""), "{page}");
}

#[tokio::test]
async fn the_console_asks_an_administrator_whose_session_had_no_second_factor_to_sign_in_again() {
    let app = TestApp::spawn().await;
    password_only_admin(&app, "olga").await;
    let olga = signed_in(&app, "olga").await.agent;
    // The app is set up after this browser signed in with the password alone.
    let enrolled = crate::support::enrol(&app, "olga").await;

    let (path, _, page) = olga.navigate("/admin/users").await.page();
    assert_eq!(path, "/login", "{page}");
    assert!(page.contains("sign in again"), "{page}");
    let landing = olga.navigate("/login").await;
    let (path, _, page) = olga.log_in(landing, "olga", PASSWORD).await.page();
    assert!(path.starts_with("/login/second-factor"), "{path}");
    let code = crate::support::code_now(&app, &enrolled.secret);
    let (path, status, _) = crate::support::give_code(&olga, &page, "totp", &code)
        .await
        .page();
    assert_eq!((path.as_str(), status), ("/admin/users", StatusCode::OK));
}

#[tokio::test]
async fn the_console_asks_for_a_new_sign_in_once_the_last_is_too_old_and_comes_back_to_the_page() {
    let app = TestApp::spawn().await;
    app.person("olga", Role::Admin).await;
    let olga = signed_in(&app, "olga").await.agent;
    let (path, status, _) = olga.navigate("/admin/users?q=ada").await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/admin/users?q=ada", StatusCode::OK)
    );

    app.clock.advance(MAX_AGE + 1);
    let (path, status, page) = olga.navigate("/admin/users?q=ada").await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/login", StatusCode::OK),
        "{page}"
    );
    assert!(
        page.contains("value=\"olga\""),
        "the username is filled in: {page}"
    );

    let landing = olga.navigate("/login").await;
    let (path, status, _) = olga.log_in(landing, "olga", PASSWORD).await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/admin/users?q=ada", StatusCode::OK)
    );
}

#[tokio::test]
async fn a_console_form_sent_after_the_sign_in_grew_too_old_changes_nothing_and_asks_to_sign_in() {
    let app = TestApp::spawn().await;
    app.person("olga", Role::Admin).await;
    let ada = app.person("ada", Role::Consumer).await;
    let olga = signed_in(&app, "olga").await.agent;
    let (_, _, page) = olga.navigate(&format!("/admin/users/{ada}")).await.page();

    app.clock.advance(MAX_AGE + 1);
    let landing = olga
        .submit(
            &page,
            &format!("/admin/users/{ada}/lock"),
            &[("reason", "test")],
        )
        .await;
    let (path, _, _) = landing.page();
    assert_eq!(path, "/login");
    let user = app.store.find_user_by_id(&ada).await.unwrap().unwrap();
    assert!(user.locked.is_none());
}

#[tokio::test]
async fn with_the_requirement_off_a_password_alone_opens_the_console() {
    let app = TestApp::spawn_with(Options {
        admin_require_mfa: Some(false),
        ..Options::default()
    })
    .await;
    password_only_admin(&app, "olga").await;
    let olga = signed_in(&app, "olga").await.agent;
    let (path, status, _) = olga.navigate("/admin/users").await.page();
    assert_eq!((path.as_str(), status), ("/admin/users", StatusCode::OK));
}

#[tokio::test]
async fn the_admin_api_refuses_a_token_from_a_sign_in_without_a_second_factor() {
    let app = TestApp::spawn().await;
    let (_, tokens) = password_only_admin_tokens(&app).await;
    let token = tokens["access_token"].as_str().unwrap();

    let challenge = assert_step_up_asked(list_users(&app, token).await).await;
    assert!(!challenge.contains("max_age"), "{challenge}");
}

#[tokio::test]
async fn the_admin_api_accepts_a_recent_sign_in_with_a_second_factor_and_refuses_it_once_too_old() {
    let app = TestApp::spawn().await;
    let root: ApiPerson = api_person(&app, "root", Role::Admin, ADMIN_SCOPE, ADMIN_SCOPE).await;
    json_answer(list_users(&app, &root.token).await, StatusCode::OK).await;

    // A refreshed token carries the sign-in it came from: its age grows.
    app.clock.advance(MAX_AGE + 1);
    let refreshed = app
        .refresh(&root.client, root.refresh.as_deref().unwrap(), None)
        .await;
    let refreshed = crate::support::token_json(refreshed).await;
    let token = refreshed["access_token"].as_str().unwrap();
    let challenge = assert_step_up_asked(list_users(&app, token).await).await;
    assert!(
        challenge.contains(&format!("max_age=\"{MAX_AGE}\"")),
        "{challenge}"
    );
}

#[tokio::test]
async fn with_the_requirement_off_and_a_long_window_a_password_only_token_is_accepted() {
    let app = TestApp::spawn_with(Options {
        admin_require_mfa: Some(false),
        admin_max_auth_age: Some(86_400),
        ..Options::default()
    })
    .await;
    let (client, tokens) = password_only_admin_tokens(&app).await;
    app.clock.advance(2 * MAX_AGE);
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap(), None)
        .await;
    let refreshed = crate::support::token_json(refreshed).await;
    let token = refreshed["access_token"].as_str().unwrap();
    json_answer(list_users(&app, token).await, StatusCode::OK).await;
}
