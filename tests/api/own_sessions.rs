//! The account page's sessions and connected apps: where one is signed in, ending one
//! session or all others, taking back what an app was given, and changing the password.

use crate::support::{
    Landing, NEW_PASSWORD, PASSWORD, TestApp, TestClient, UserAgent, assert_oauth_error,
    hidden_fields, is_signed_in, password_works, token_json,
};
use farm_auth::accounts::users::Role;
use reqwest::StatusCode;
use reqwest::header::USER_AGENT;
use serde_json::Value;

const SCOPE: &str = "openid profile email offline_access";
const FIREFOX_ON_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
     AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/// A new browser, sending `user_agent`, signed in as `username` on the login page.
async fn browser_signed_in(app: &TestApp, username: &str, user_agent: &str) -> UserAgent {
    let agent = UserAgent::new(app);
    let (_, _, login) = agent.navigate("/login").await.page();
    let mut form = hidden_fields(&login, "/login");
    form.push(("username".into(), username.into()));
    form.push(("password".into(), PASSWORD.into()));
    let response = agent
        .http
        .post(app.url("/login"))
        .header(USER_AGENT, user_agent)
        .form(&form)
        .send()
        .await
        .unwrap();
    let (path, _, page) = agent.follow(response).await.page();
    assert_eq!(path, "/account", "{page}");
    agent
}

/// The account page of a signed-in browser.
async fn account_page(agent: &UserAgent) -> String {
    let (path, status, page) = agent.navigate("/account").await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/account", StatusCode::OK),
        "{page}"
    );
    page
}

/// The items of the section headed `heading` on the account page.
fn items<'a>(page: &'a str, heading: &str) -> Vec<&'a str> {
    let start = page
        .find(&format!("aria-labelledby=\"{heading}\""))
        .unwrap_or_else(|| panic!("no section {heading} on:\n{page}"));
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |e| start + e);
    page[start..end]
        .split("<li>")
        .skip(1)
        .map(|item| &item[..item.find("</li>").unwrap_or(item.len())])
        .collect()
}

/// One session as the account page lists it.
#[derive(Debug)]
struct Listed {
    sid: String,
    current: bool,
    text: String,
}

fn sessions_on(page: &str) -> Vec<Listed> {
    items(page, "sessions-heading")
        .into_iter()
        .map(|item| Listed {
            sid: field(item, "/account/sessions/end", "session"),
            current: item.contains("this browser"),
            text: item.to_string(),
        })
        .collect()
}

/// The client ids of the connected apps the account page lists, with their text.
fn apps_on(page: &str) -> Vec<(String, String)> {
    items(page, "apps-heading")
        .into_iter()
        .map(|item| {
            let id = field(item, "/account/apps/revoke", "client_id");
            (id, item.to_string())
        })
        .collect()
}

/// The hidden field `name` of the form posting to `action` on `page`.
fn field(page: &str, action: &str, name: &str) -> String {
    hidden_fields(page, action)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no field {name} in the form to {action}"))
        .1
}

fn current_sid(page: &str) -> String {
    let sessions = sessions_on(page);
    let current: Vec<&Listed> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1, "{sessions:?}");
    current[0].sid.clone()
}

/// Submits a form of the account page and lands back on it: the page after.
async fn submit_on_account(
    agent: &UserAgent,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> String {
    let (path, status, after) = agent.submit(page, action, fields).await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/account", StatusCode::OK),
        "{after}"
    );
    after
}

/// `ada` signed in through a web client allowed [`SCOPE`] with a new browser: the client,
/// the browser and the token response.
async fn ada_connects_an_app(app: &TestApp) -> (TestClient, UserAgent, Value) {
    let client = app.web_client(SCOPE).await;
    let agent = UserAgent::new(app);
    let tokens = app.sign_in_for_tokens(&agent, &client, "ada", SCOPE).await;
    (client, agent, tokens)
}

#[tokio::test]
async fn the_account_page_lists_the_sessions_of_both_browsers_and_marks_the_one_in_use() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;

    let on_laptop = sessions_on(&account_page(&laptop).await);
    let on_phone = sessions_on(&account_page(&phone).await);
    assert_eq!(on_laptop.len(), 2, "{on_laptop:?}");
    assert_eq!(on_phone.len(), 2, "{on_phone:?}");
    for listed in on_laptop.iter().chain(&on_phone) {
        assert!(listed.text.contains("127.0.0.1"), "{}", listed.text);
    }
    let this_laptop = on_laptop.iter().find(|s| s.current).expect("this browser");
    assert!(
        this_laptop.text.contains("Firefox on Linux"),
        "{}",
        this_laptop.text
    );
    assert!(
        this_laptop.text.contains("Sign out here"),
        "{}",
        this_laptop.text
    );
    let other = on_laptop.iter().find(|s| !s.current).expect("the other");
    assert!(other.text.contains("Safari on iPhone"), "{}", other.text);
    assert!(other.text.contains("End this session"), "{}", other.text);

    // The same two sessions, seen from the phone, with the other one current.
    let this_phone = on_phone.iter().find(|s| s.current).expect("this browser");
    assert!(
        this_phone.text.contains("Safari on iPhone"),
        "{}",
        this_phone.text
    );
    assert_eq!(this_phone.sid, other.sid);
    assert_eq!(
        on_phone.iter().find(|s| !s.current).unwrap().sid,
        this_laptop.sid
    );
    assert_ne!(this_laptop.sid, this_phone.sid);
}

#[tokio::test]
async fn ending_another_session_on_the_account_page_signs_that_browser_out() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let phone_sid = current_sid(&account_page(&phone).await);

    let page = account_page(&laptop).await;
    let after = submit_on_account(
        &laptop,
        &page,
        "/account/sessions/end",
        &[("session", &phone_sid)],
    )
    .await;
    assert!(after.contains("That session is signed out."), "{after}");
    let left = sessions_on(&after);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].current);
    assert!(!is_signed_in(&phone).await);
    assert!(is_signed_in(&laptop).await);

    // Ending it again says so.
    let again = submit_on_account(
        &laptop,
        &after,
        "/account/sessions/end",
        &[("session", &phone_sid)],
    )
    .await;
    assert!(again.contains("That session had already ended."), "{again}");
}

#[tokio::test]
async fn ending_the_session_in_use_on_the_account_page_signs_this_browser_out_only() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let page = account_page(&laptop).await;
    let laptop_sid = current_sid(&page);

    let response = laptop
        .post(
            "/account/sessions/end",
            &[
                (
                    "csrf_token",
                    &field(&page, "/account/password", "csrf_token"),
                ),
                ("session", &laptop_sid),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    assert!(!is_signed_in(&laptop).await);
    let left = sessions_on(&account_page(&phone).await);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_ne!(left[0].sid, laptop_sid);
}

#[tokio::test]
async fn signing_out_all_other_sessions_keeps_the_one_in_use() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let office = browser_signed_in(&app, "ada", CHROME_ON_WINDOWS).await;

    let page = account_page(&laptop).await;
    assert_eq!(sessions_on(&page).len(), 3);
    let laptop_sid = current_sid(&page);
    let after = submit_on_account(&laptop, &page, "/account/sessions/end-others", &[]).await;
    assert!(
        after.contains("Your 2 other sessions are signed out."),
        "{after}"
    );
    let left = sessions_on(&after);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].sid, laptop_sid);
    assert!(
        left[0].text.contains("Firefox on Linux"),
        "{}",
        left[0].text
    );
    assert!(is_signed_in(&laptop).await);
    assert!(!is_signed_in(&phone).await);
    assert!(!is_signed_in(&office).await);
}

#[tokio::test]
async fn a_session_of_another_person_cannot_be_ended_from_ones_own_account() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    app.person("bob", Role::Consumer).await;
    let ada = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let bob = browser_signed_in(&app, "bob", SAFARI_ON_IPHONE).await;
    let bob_sid = current_sid(&account_page(&bob).await);

    let page = account_page(&ada).await;
    let after = submit_on_account(
        &ada,
        &page,
        "/account/sessions/end",
        &[("session", &bob_sid)],
    )
    .await;
    assert!(after.contains("That session had already ended."), "{after}");
    assert!(is_signed_in(&bob).await);
    assert!(is_signed_in(&ada).await);
    assert!(!after.contains(&bob_sid), "ada sees no session of bob's");
    let bob_sessions = sessions_on(&account_page(&bob).await);
    assert_eq!(bob_sessions.len(), 1, "{bob_sessions:?}");
    assert_eq!(bob_sessions[0].sid, bob_sid);
}

#[tokio::test]
async fn revoking_a_connected_app_ends_its_refresh_token_and_it_must_ask_for_consent_again() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let (client, agent, tokens) = ada_connects_an_app(&app).await;
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token");
    let access_token = tokens["access_token"].as_str().unwrap();

    let page = account_page(&agent).await;
    let apps = apps_on(&page);
    assert_eq!(apps.len(), 1, "{page}");
    assert_eq!(apps[0].0, client.id);
    assert!(apps[0].1.contains("Veggie Box"), "{}", apps[0].1);
    assert!(apps[0].1.contains("stays signed in"), "{}", apps[0].1);
    // Consent is remembered: the next request goes straight back to the app.
    let back = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await
        .client();
    assert!(Landing::param(&back, "code").is_some(), "{back}");

    let after = submit_on_account(
        &agent,
        &page,
        "/account/apps/revoke",
        &[("client_id", &client.id)],
    )
    .await;
    assert!(
        after.contains("The app&#39;s access is revoked."),
        "{after}"
    );
    assert!(apps_on(&after).is_empty(), "{after}");
    assert!(after.contains("No apps have access to your account."));

    let refreshed = app.refresh(&client, refresh_token, None).await;
    assert_oauth_error(refreshed, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(
        app.userinfo(access_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (path, _, consent) = agent
        .navigate(&app.authorize_url(&client, SCOPE, &[]))
        .await
        .page();
    assert!(path.starts_with("/consent"), "{path}:\n{consent}");
    assert!(
        is_signed_in(&agent).await,
        "revoking an app is not signing out"
    );

    // A second revocation (the page was open in two tabs) finds nothing to take back.
    let csrf = field(&after, "/account/password", "csrf_token");
    let response = agent
        .post(
            "/account/apps/revoke",
            &[("csrf_token", &csrf), ("client_id", &client.id)],
        )
        .await;
    let (_, _, again) = agent.follow(response).await.page();
    assert!(
        again.contains("That app had no access to revoke."),
        "{again}"
    );
}

#[tokio::test]
async fn a_password_change_is_refused_with_a_wrong_current_password_or_a_weak_new_one() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let page = account_page(&laptop).await;

    let after = submit_on_account(
        &laptop,
        &page,
        "/account/password",
        &[
            ("current_password", "not my password"),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert!(
        after.contains("Your current password is not right."),
        "{after}"
    );
    for weak in ["password", "abc"] {
        let after = submit_on_account(
            &laptop,
            &page,
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", weak)],
        )
        .await;
        assert!(after.contains("The new password cannot be used"), "{after}");
        assert!(!password_works(&app, "ada", weak).await);
    }

    assert!(is_signed_in(&phone).await);
    assert!(is_signed_in(&laptop).await);
    assert!(!password_works(&app, "ada", NEW_PASSWORD).await);
    assert!(password_works(&app, "ada", PASSWORD).await);
}

#[tokio::test]
async fn a_password_change_signs_out_the_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let (client, _, tokens) = ada_connects_an_app(&app).await;
    let laptop = browser_signed_in(&app, "ada", FIREFOX_ON_LINUX).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let page = account_page(&laptop).await;
    let laptop_sid = current_sid(&page);

    let after = submit_on_account(
        &laptop,
        &page,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert!(
        after.contains("Your password is changed. Your other sessions were signed out."),
        "{after}"
    );
    let left = sessions_on(&after);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].sid, laptop_sid);
    assert!(is_signed_in(&laptop).await);
    assert!(!is_signed_in(&phone).await);
    assert!(!password_works(&app, "ada", PASSWORD).await);
    assert!(password_works(&app, "ada", NEW_PASSWORD).await);
    // Connected apps keep their access (the sessions page revokes them one by one).
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    token_json(app.refresh(&client, refresh_token, None).await).await;
}

#[tokio::test]
async fn every_account_form_sent_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let (client, laptop, tokens) = ada_connects_an_app(&app).await;
    let phone = browser_signed_in(&app, "ada", SAFARI_ON_IPHONE).await;
    let phone_page = account_page(&phone).await;
    let phone_sid = current_sid(&phone_page);
    let phone_csrf = field(&phone_page, "/account/password", "csrf_token");
    let page = account_page(&laptop).await;
    let laptop_sid = current_sid(&page);

    let forms: [(&str, Vec<(&str, &str)>); 5] = [
        ("/account/sessions/end", vec![("session", &phone_sid)]),
        ("/account/sessions/end", vec![("session", &laptop_sid)]),
        ("/account/sessions/end-others", vec![]),
        ("/account/apps/revoke", vec![("client_id", &client.id)]),
        (
            "/account/password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        ),
    ];
    for (action, fields) in &forms {
        let response = laptop.post(action, fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{action}");
        // Another browser's token is no better.
        let mut with_other = fields.clone();
        with_other.push(("csrf_token", &phone_csrf));
        let response = laptop.post(action, &with_other).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{action}");
    }

    assert!(is_signed_in(&laptop).await);
    assert!(is_signed_in(&phone).await);
    let page = account_page(&laptop).await;
    assert_eq!(sessions_on(&page).len(), 2, "{page}");
    assert_eq!(apps_on(&page).len(), 1, "{page}");
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    token_json(app.refresh(&client, refresh_token, None).await).await;
    assert!(!password_works(&app, "ada", NEW_PASSWORD).await);
    assert!(password_works(&app, "ada", PASSWORD).await);
}

#[tokio::test]
async fn session_and_app_ids_no_row_can_have_are_refused_without_a_server_error() {
    let app = TestApp::spawn().await;
    app.person("ada", Role::Consumer).await;
    let agent = UserAgent::new(&app);
    let landing = agent.navigate("/login").await;
    let (_, _, account) = agent.log_in(landing, "ada", PASSWORD).await.page();
    for (action, field) in [
        ("/account/sessions/end", "session"),
        ("/account/apps/revoke", "client_id"),
    ] {
        for id in ["a\0b", "\u{7}", &"x".repeat(300)] {
            let csrf = hidden_fields(&account, "/logout")
                .into_iter()
                .find(|(name, _)| name == "csrf_token")
                .expect("a CSRF token")
                .1;
            let response = agent
                .post(action, &[("csrf_token", &csrf), (field, id)])
                .await;
            let (path, status, page) = agent.follow(response).await.page();
            assert_eq!(path, "/account", "{action} {id:?}: {page}");
            assert_eq!(status, StatusCode::OK);
        }
    }
    assert!(agent.navigate("/account").await.page().0 == "/account");
}
