//! The administrator's console under `/admin`, driven over HTTP like a browser would: who
//! may open it, users (search, pages, lock, unlock, roles, company, a required new
//! password, sessions, deletion), apps, registration tokens, signing keys, the audit trail,
//! and hostile input. Each test checks the page the administrator sees and what the
//! database holds afterwards.

use farm_auth::accounts::users::Role;
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::users::UserRecord;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use crate::bad_input_pages::{assert_page_headers, csrf_of, encode, shows_escaped};
use crate::helpers::{TestApp, TestClient, assert_oauth_error, link_in, now};
use crate::user_agent::{PASSWORD, UserAgent, hidden_fields};

const ADMIN: &str = "olga";
/// A form's fields, as name and value.
type Fields<'a> = Vec<(&'a str, &'a str)>;
const SCOPE: &str = "openid profile email offline_access";
const FORM: &str = "application/x-www-form-urlencoded";
const NEW_PASSWORD: &str = "carrots in the cold frame";
const LOCKED: &str = "This account is locked.";
const MUST_RESET: &str = "You need to choose a new password before you sign in";
const FORBIDDEN: &str = "You cannot open this page";
const EXPIRED_FORM: &str = "This form has expired";
const NOT_FOUND: &str = "There is nothing here by that name";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A new browser signed in as `username` on the login page (which lands on `/account`).
async fn signed_in(app: &TestApp, username: &str) -> UserAgent {
    signed_in_with(app, username, PASSWORD).await
}

async fn signed_in_with(app: &TestApp, username: &str, password: &str) -> UserAgent {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, status, page) = agent.log_in(landing, username, password).await.page();
    assert_eq!(
        (path.as_str(), status),
        ("/account", StatusCode::OK),
        "{username} did not sign in:\n{page}"
    );
    agent
}

/// A new browser's attempt to sign in: where it landed and the page.
async fn try_sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let agent = UserAgent::new(app);
    let landing = agent.navigate("/login").await;
    let (path, _, page) = agent.log_in(landing, username, password).await.page();
    (path, page)
}

/// An administrator `ADMIN` (created here), signed in: their id and browser.
async fn admin_signed_in(app: &TestApp) -> (String, UserAgent) {
    let id = app.person(ADMIN, Role::Admin).await;
    (id, signed_in(app, ADMIN).await)
}

/// Opens a console page, asserting a 200 at that very path; its HTML.
async fn open(agent: &UserAgent, path: &str) -> String {
    let (landed, status, page) = agent.navigate(path).await.page();
    assert_eq!(
        (landed.as_str(), status),
        (path, StatusCode::OK),
        "opening {path}:\n{page}"
    );
    page
}

/// Opens `page_path`, then submits its form posting to `action` with `fields` (plus the
/// form's hidden fields): where the browser landed.
async fn send(
    agent: &UserAgent,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (String, StatusCode, String) {
    let page = open(agent, page_path).await;
    agent.submit(&page, action, fields).await.page()
}

/// Like [`send`], asserting the browser lands back on `page_path` with a 200: the page.
async fn send_back(
    agent: &UserAgent,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> String {
    let (path, status, page) = send(agent, page_path, action, fields).await;
    assert_eq!(
        (path.as_str(), status),
        (page_path, StatusCode::OK),
        "after {action}:\n{page}"
    );
    page
}

/// The text of the first `<p>` with `opening` on `page`.
fn paragraph(page: &str, opening: &str) -> Option<String> {
    let start = page.find(opening)? + opening.len();
    let end = page[start..].find("</p>")? + start;
    Some(unescape(&page[start..end]))
}

/// The console's notice that a change was made.
fn notice(page: &str) -> Option<String> {
    paragraph(page, r#"<p class="notice" role="status">"#)
}

/// The console's notice that a change was refused.
fn alert(page: &str) -> Option<String> {
    paragraph(page, r#"<p class="alert" role="alert">"#)
}

/// Asserts the page's done-notice contains `text` (and there is no refusal).
fn assert_done(page: &str, text: &str) {
    let done = notice(page).unwrap_or_else(|| panic!("no notice on:\n{page}"));
    assert!(done.contains(text), "notice {done:?} lacks {text:?}");
    assert_eq!(alert(page), None, "{page}");
}

/// Asserts the page's refusal contains `text` (and there is no done-notice).
fn assert_refused(page: &str, text: &str) {
    let refusal = alert(page).unwrap_or_else(|| panic!("no refusal on:\n{page}"));
    assert!(refusal.contains(text), "refusal {refusal:?} lacks {text:?}");
    assert_eq!(notice(page), None, "{page}");
}

/// HTML character references decoded, as far as the console's pages use them.
fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#61;", "=")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The `href` of the link with `rel="{rel}"` on `page`, decoded.
fn link_rel(page: &str, rel: &str) -> Option<String> {
    let marker = format!("\" rel=\"{rel}\"");
    let end = page.find(&marker)?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(unescape(&page[start..end]))
}

/// A link's path and its non-empty query pairs.
fn pairs_of(href: &str) -> (String, Vec<(String, String)>) {
    let url = url::Url::parse(&format!("http://console.example{href}")).expect("a link");
    let pairs = url
        .query_pairs()
        .filter(|(name, _)| !name.is_empty())
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    (url.path().to_string(), pairs)
}

/// The text inside the first `<code class="{class}">` on `page`.
fn code(page: &str, class: &str) -> Option<String> {
    paragraph_like(page, &format!("<code class=\"{class}\">"), "</code>")
}

fn paragraph_like(page: &str, opening: &str, closing: &str) -> Option<String> {
    let start = page.find(opening)? + opening.len();
    let end = page[start..].find(closing)? + start;
    Some(unescape(&page[start..end]))
}

/// The rows of the (first) table body on `page`, as raw HTML.
fn rows(page: &str) -> Vec<String> {
    let Some(start) = page.find("<tbody>") else {
        return Vec::new();
    };
    let end = page[start..].find("</tbody>").expect("a closed tbody") + start;
    page[start..end]
        .split("<tr>")
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// The usernames the users list shows, in order.
fn listed_usernames(page: &str) -> Vec<String> {
    rows(page)
        .iter()
        .map(|row| {
            let start = row.find("\">").expect("a link") + 2;
            let end = row.find("</a>").expect("a link");
            unescape(&row[start..end])
        })
        .collect()
}

/// The user `username` as stored; panics when there is none.
async fn user(app: &TestApp, username: &str) -> UserRecord {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"))
}

/// The trail's events named `event` (or of that family), newest first.
async fn events(app: &TestApp, event: &str) -> Vec<AuditRecord> {
    let filter = AuditFilter {
        event: Some(event),
        ..AuditFilter::default()
    };
    app.store.search_audit_events(&filter, 1000).await.unwrap()
}

/// Asserts a 403 "not for you" page.
async fn assert_forbidden(what: &str, response: reqwest::Response) {
    let status = response.status();
    assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
    assert!(response.headers().get(LOCATION).is_none(), "{what}");
    assert_page_headers(what, &response);
    let body = response.text().await.unwrap();
    assert!(body.contains(FORBIDDEN), "{what}: {body}");
}

/// The `csrf_token` of any form on `page`.
fn any_csrf(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    unescape(&page[start..end])
}

/// Whether the browser is still signed in (`/account` answers 200, not 303 to `/login`).
async fn is_signed_in(agent: &UserAgent) -> bool {
    let response = agent.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(response.headers()[LOCATION], "/login");
            false
        }
        other => panic!("/account answered {other}"),
    }
}

/// A user written straight to the store (no password: fast), for lists and paging.
async fn stored_user(app: &TestApp, username: &str, email: &str) -> String {
    let id = format!("u-{username}");
    let record = UserRecord {
        id: id.clone(),
        username: username.into(),
        email: email.into(),
        email_verified: true,
        password_hash: None,
        roles: farm_auth::domain::Role::Consumer.into(),
        created_at: now(),
        updated_at: now(),
        locked: None,
        company: None,
        password_reset_required: false,
    };
    app.store.insert_user(&record).await.expect("user stored");
    id
}

/// The console paths a GET opens.
fn console_pages(target: &str) -> Vec<String> {
    vec![
        "/admin".into(),
        "/admin/users".into(),
        "/admin/users?q=ada".into(),
        format!("/admin/users/{target}"),
        "/admin/clients".into(),
        "/admin/registration-tokens".into(),
        "/admin/keys".into(),
        "/admin/audit".into(),
    ]
}

/// The console's POSTs, each with the fields it needs, aimed at user `target`.
fn console_posts(target: &str) -> Vec<(String, Fields<'static>)> {
    vec![
        (
            format!("/admin/users/{target}/lock"),
            vec![("reason", "hostile")],
        ),
        (
            format!("/admin/users/{target}/roles"),
            vec![("role_admin", "on")],
        ),
        (
            format!("/admin/users/{target}/company"),
            vec![("company", "Evil Farms")],
        ),
        (format!("/admin/users/{target}/password-reset"), vec![]),
        (
            format!("/admin/users/{target}/delete"),
            vec![("confirm", "ada")],
        ),
        (
            "/admin/clients".into(),
            vec![
                ("name", "Evil App"),
                ("kind", "client_secret_basic"),
                ("grant_client_credentials", "on"),
                ("scope", "openid"),
            ],
        ),
        ("/admin/keys/rotate".into(), vec![]),
        (
            "/admin/registration-tokens".into(),
            vec![("vendor", "Evil"), ("uses", "5"), ("days", "5")],
        ),
    ]
}

/// Asserts that none of [`console_posts`] took effect on `ada` or anything else.
async fn assert_nothing_changed(app: &TestApp, ada_id: &str) {
    let ada = app.store.find_user_by_id(ada_id).await.unwrap();
    let ada = ada.expect("ada is not deleted");
    assert_eq!(ada.locked, None, "ada was locked");
    assert_eq!(ada.roles, vec!["consumer".to_string()]);
    assert_eq!(ada.company, None);
    assert!(!ada.password_reset_required);
    assert!(app.store.list_clients().await.unwrap().is_empty());
    let keys = app
        .store
        .list_published_signing_keys(now(), 86_400 * 365)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "the keys were rotated");
    let tokens = app
        .store
        .list_usable_initial_access_tokens(now())
        .await
        .unwrap();
    assert!(tokens.is_empty(), "a registration token was issued");
    for family in ["user", "client", "keys", "initial_access_token"] {
        assert!(
            events(app, family).await.is_empty(),
            "{family} events: {:?}",
            events(app, family).await
        );
    }
}

// ---------------------------------------------------------------------------------------
// Who may open the console
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_console_sends_someone_not_signed_in_to_the_login_page_and_changes_nothing() {
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
async fn admin_console_is_403_for_consumers_and_farmers_and_their_posts_change_nothing() {
    let app = TestApp::spawn().await;
    let ada_id = app.person("ada", Role::Consumer).await;
    app.person("carol", Role::Consumer).await;
    app.person("fred", Role::Farmer).await;
    for username in ["carol", "fred"] {
        let agent = signed_in(&app, username).await;
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
async fn admin_console_refuses_a_locked_administrator() {
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
    let (path, page) = try_sign_in(&app, ADMIN, PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(LOCKED), "{page}");
}

#[tokio::test]
async fn admin_console_refuses_an_administrator_at_the_next_page_once_another_takes_the_role() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    app.person("boris", Role::Admin).await;
    let boris = signed_in(&app, "boris").await;
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

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_console_search_matches_username_or_email_substrings_ignoring_case_with_literal_wildcards()
 {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    stored_user(&app, "Ada.Lovelace", "ada@engines.example").await;
    stored_user(&app, "grace", "Grace.HOPPER@navy.example").await;
    stored_user(&app, "ab_cd", "one@farm.example").await;
    stored_user(&app, "abxcd", "two@farm.example").await;
    stored_user(&app, "percent", "per%cent@farm.example").await;
    stored_user(&app, "perxcent", "perxcent@farm.example").await;

    let search = |q: &str| format!("/admin/users?{}", encode(&[("q", q)]));
    let cases: [(&str, &[&str]); 9] = [
        ("LOVELACE", &["Ada.Lovelace"]),
        ("ada", &["Ada.Lovelace"]),
        ("hopper", &["grace"]),
        ("NAVY.EX", &["grace"]),
        ("b_c", &["ab_cd"]),
        ("_", &["ab_cd"]),
        ("r%c", &["percent"]),
        ("%", &["percent"]),
        ("nobody-like-this", &[]),
    ];
    for (q, expected) in cases {
        let page = open(&olga, &search(q)).await;
        let mut found = listed_usernames(&page);
        found.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "search {q:?}");
        let count = format!("{} user", expected.len());
        assert!(page.contains(&count), "search {q:?}: no {count:?}");
    }
    // The search box keeps what was typed; no search lists everyone (6 + olga).
    let page = open(&olga, &search("b_c")).await;
    assert!(page.contains("value=\"b_c\""), "{page}");
    let everyone = listed_usernames(&open(&olga, "/admin/users").await);
    assert_eq!(everyone.len(), 7, "{everyone:?}");
}

#[tokio::test]
async fn admin_console_users_list_pages_by_25_and_falls_back_to_page_1() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        stored_user(
            &app,
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    // 31 people: two pages, by username.
    let first = open(&olga, "/admin/users").await;
    let on_first = listed_usernames(&first);
    assert_eq!(on_first.len(), 25);
    assert_eq!(on_first[0], "member00");
    assert!(first.contains("31 users"), "{first}");
    assert!(first.contains("Page 1 of 2"), "{first}");
    assert_eq!(link_rel(&first, "prev"), None);
    let next = link_rel(&first, "next").expect("a Next page link");
    assert_eq!(pairs_of(&next), pairs_of("/admin/users?page=2"));

    let second = open(&olga, &next).await;
    let on_second = listed_usernames(&second);
    assert_eq!(on_second.len(), 6, "{on_second:?}");
    assert!(on_second.contains(&ADMIN.to_string()));
    assert!(second.contains("Page 2 of 2"));
    assert_eq!(link_rel(&second, "next"), None);
    let previous = link_rel(&second, "prev").expect("a Previous page link");
    assert_eq!(listed_usernames(&open(&olga, &previous).await), on_first);
    let mut all: Vec<String> = on_first.iter().chain(&on_second).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 31, "a user shows on both pages or none");

    for page in [
        "0",
        "-1",
        "999999",
        "abc",
        "1e3",
        "",
        "%00",
        "99999999999999999999",
    ] {
        let path = format!("/admin/users?page={page}");
        let shown = open(&olga, &path).await;
        assert!(shown.contains("Page 1 of 2"), "{path}");
        assert_eq!(listed_usernames(&shown), on_first, "{path}");
    }

    // The search is kept across pages.
    let page = open(&olga, "/admin/users?q=MEMBER").await;
    assert!(page.contains("30 users"), "{page}");
    let next = link_rel(&page, "next").expect("a Next page link");
    assert_eq!(pairs_of(&next), pairs_of("/admin/users?q=MEMBER&page=2"));
    assert_eq!(listed_usernames(&open(&olga, &next).await).len(), 5);
}

#[tokio::test]
async fn admin_console_user_page_shows_the_account_and_its_sessions() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let _fred = signed_in(&app, "fred").await;
    app.store
        .set_user_company(&fred_id, Some("Green Acres"), now())
        .await
        .unwrap();

    let list = open(&olga, "/admin/users?q=fred").await;
    assert!(
        list.contains(&format!("href=\"/admin/users/{fred_id}\"")),
        "{list}"
    );
    let page = open(&olga, &format!("/admin/users/{fred_id}")).await;
    for shown in [
        "<h1>fred</h1>",
        "fred@farm.example",
        "Green Acres",
        "<dd>farmer</dd>",
        "<dd>active</dd>",
        &fred_id,
        "End this session",
        "127.0.0.1",
        "Lock account",
        "Delete account",
        &format!("/admin/audit?user={fred_id}"),
    ] {
        assert!(
            page.contains(shown),
            "the user page lacks {shown:?}:\n{page}"
        );
    }
    assert!(page.contains("Signed in as <strong>olga</strong>"));
    let sessions = app
        .store
        .list_live_login_sessions(&fred_id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(
        page.contains(&sessions[0].sid),
        "the session's form names it"
    );
    // An unknown id is a 404 page.
    let response = olga.get("/admin/users/no-such-user").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains(NOT_FOUND));
}

#[tokio::test]
async fn admin_console_lock_with_a_reason_signs_the_person_out_everywhere_and_keeps_them_out() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let client = app.web_client(SCOPE).await;
    let ada_phone = UserAgent::new(&app);
    let tokens = app
        .sign_in_for_tokens(&ada_phone, &client, "ada", SCOPE)
        .await;
    let refresh = tokens["refresh_token"].as_str().expect("a refresh token");
    let ada_laptop = signed_in(&app, "ada").await;
    // The refresh token works before.
    let before = app.refresh(&client, refresh, None).await;
    let before = crate::user_agent::token_json(before).await;
    let refresh = before["refresh_token"].as_str().unwrap().to_string();

    let path = format!("/admin/users/{ada_id}");
    let reason = "Chargebacks on three orders";
    let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", reason)]).await;
    assert_done(&page, "ada is locked and signed out everywhere.");
    assert!(page.contains("<dd>locked</dd>"), "{page}");
    assert!(page.contains(reason), "the page shows the reason");
    assert!(page.contains("Unlock account"));

    let ada = user(&app, "ada").await;
    let (_, kept) = ada.locked.expect("locked in the database");
    assert_eq!(kept, reason);
    assert!(!is_signed_in(&ada_laptop).await, "the laptop is still in");
    assert!(!is_signed_in(&ada_phone).await, "the phone is still in");
    let live = app
        .store
        .list_live_login_sessions(&ada_id, app.clock.now())
        .await
        .unwrap();
    assert!(live.is_empty(), "{live:?}");
    let response = app.refresh(&client, &refresh, None).await;
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;

    let (path, page) = try_sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(LOCKED), "{page}");

    let locked = events(&app, "user.locked").await;
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0].user_id.as_deref(), Some(ada_id.as_str()));
    assert_eq!(locked[0].actor_id.as_deref(), Some(olga_id.as_str()));
    assert_eq!(
        locked[0].detail.as_deref(),
        Some("by administrator olga: Chargebacks on three orders")
    );
    // The users list says so too.
    let list = open(&olga, "/admin/users?q=ada").await;
    assert!(rows(&list)[0].contains("<td>locked</td>"), "{list}");
}

#[tokio::test]
async fn admin_console_lock_without_a_reason_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let ada = signed_in(&app, "ada").await;
    let path = format!("/admin/users/{ada_id}");
    let lock = format!("{path}/lock");
    let page = send_back(&olga, &path, &lock, &[]).await;
    assert_refused(&page, "Say why the account is locked.");
    let page = send_back(&olga, &path, &lock, &[("reason", "")]).await;
    assert_refused(&page, "Say why the account is locked.");
    assert_eq!(user(&app, "ada").await.locked, None);
    assert!(is_signed_in(&ada).await);
    assert!(events(&app, "user.locked").await.is_empty());
    // The refusal is shown once.
    let again = open(&olga, &path).await;
    assert_eq!(alert(&again), None);
}

#[tokio::test]
async fn admin_console_lock_with_a_blank_reason_is_refused() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    for blank in ["   ", "\t\n", "\u{7}"] {
        let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", blank)]).await;
        assert_refused(&page, "Say why the account is locked.");
        assert_eq!(user(&app, "ada").await.locked, None, "reason {blank:?}");
    }
}

#[tokio::test]
async fn admin_console_unlock_lets_the_person_sign_in_again() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    send_back(
        &olga,
        &path,
        &format!("{path}/lock"),
        &[("reason", "checking")],
    )
    .await;
    let (_, page) = try_sign_in(&app, "ada", PASSWORD).await;
    assert!(page.contains(LOCKED), "{page}");

    let page = send_back(
        &olga,
        &path,
        &format!("{path}/unlock"),
        &[("reason", "all clear")],
    )
    .await;
    assert_done(&page, "ada can sign in again.");
    assert!(page.contains("<dd>active</dd>"));
    assert!(page.contains("Lock account"));
    assert_eq!(user(&app, "ada").await.locked, None);
    signed_in(&app, "ada").await;
    let unlocked = events(&app, "user.unlocked").await;
    assert_eq!(unlocked.len(), 1);
    assert_eq!(
        unlocked[0].detail.as_deref(),
        Some("by administrator olga: all clear")
    );
}

#[tokio::test]
async fn admin_console_roles_are_set_with_checkboxes_and_none_ticked_is_refused() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    let roles = format!("{path}/roles");

    let page = send_back(
        &olga,
        &path,
        &roles,
        &[
            ("role_farmer", "on"),
            ("role_admin", "on"),
            ("role_root", "on"),
        ],
    )
    .await;
    assert_done(&page, "roles: farmer, admin.");
    assert_eq!(user(&app, "ada").await.roles, vec!["farmer", "admin"]);
    assert!(page.contains(r#"name="role_farmer" value="on" checked"#));
    assert!(page.contains(r#"name="role_admin" value="on" checked"#));
    assert!(!page.contains(r#"name="role_consumer" value="on" checked"#));
    // Ada is an administrator now.
    let ada = signed_in(&app, "ada").await;
    open(&ada, "/admin/users").await;

    let page = send_back(&olga, &path, &roles, &[]).await;
    assert_refused(&page, "a user needs at least one role");
    assert_eq!(user(&app, "ada").await.roles, vec!["farmer", "admin"]);

    let page = send_back(&olga, &path, &roles, &[("role_consumer", "on")]).await;
    assert_done(&page, "roles: consumer.");
    assert_eq!(user(&app, "ada").await.roles, vec!["consumer"]);
    assert_forbidden("ada, demoted", ada.get("/admin/users").await).await;
    let changes = events(&app, "user.roles").await;
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0].detail.as_deref(),
        Some("by administrator olga: roles consumer")
    );
}

#[tokio::test]
async fn admin_console_sets_and_clears_a_company() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let path = format!("/admin/users/{fred_id}");
    let company = format!("{path}/company");

    let page = send_back(&olga, &path, &company, &[("company", "  Green Acres ")]).await;
    assert_done(&page, "fred sells for Green Acres.");
    assert!(page.contains("value=\"Green Acres\""));
    assert_eq!(
        user(&app, "fred").await.company.as_deref(),
        Some("Green Acres")
    );

    let page = send_back(&olga, &path, &company, &[("company", &"x".repeat(101))]).await;
    assert_refused(&page, "a company name has at most 100 characters");
    assert_eq!(
        user(&app, "fred").await.company.as_deref(),
        Some("Green Acres")
    );

    let page = send_back(&olga, &path, &company, &[("company", "")]).await;
    assert_done(&page, "fred has no company on record.");
    assert_eq!(user(&app, "fred").await.company, None);
    assert_eq!(events(&app, "user.company").await.len(), 2);
}

#[tokio::test]
async fn admin_console_require_a_new_password_mails_a_link_and_refuses_the_old_password_until_reset()
 {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let ada = signed_in(&app, "ada").await;
    let path = format!("/admin/users/{ada_id}");

    let page = send_back(&olga, &path, &format!("{path}/password-reset"), &[]).await;
    assert_done(
        &page,
        "ada must choose a new password; a reset link was mailed to ada@farm.example.",
    );
    assert!(page.contains("<dd>must reset password</dd>"), "{page}");
    assert!(user(&app, "ada").await.password_reset_required);
    assert!(
        !is_signed_in(&ada).await,
        "ada's browser is still signed in"
    );

    let mail = app.wait_for_mail("ada@farm.example", 1).await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    assert!(
        mail.contains("asked you to choose a new password"),
        "{mail}"
    );
    let link = link_in(&mail, &format!("{}/password/reset?token=", app.issuer));

    let (path, page) = try_sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(page.contains(MUST_RESET), "{page}");

    let browser = UserAgent::new(&app);
    let (_, status, form) = browser.navigate(&link).await.page();
    assert_eq!(status, StatusCode::OK, "{form}");
    let (_, status, done) = browser
        .submit(&form, "/password/reset", &[("new_password", NEW_PASSWORD)])
        .await
        .page();
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains("Your password is changed"), "{done}");
    assert!(!user(&app, "ada").await.password_reset_required);
    signed_in_with(&app, "ada", NEW_PASSWORD).await;
    let (path, page) = try_sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"), "{path}");
    assert!(!page.contains(MUST_RESET), "{page}");
    let required = events(&app, "user.password_reset_required").await;
    assert_eq!(required.len(), 1);
    assert_eq!(
        required[0].detail.as_deref(),
        Some("by administrator olga: reset link mailed")
    );
}

#[tokio::test]
async fn admin_console_ends_one_session_of_a_person() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let laptop = signed_in(&app, "ada").await;
    let phone = signed_in(&app, "ada").await;
    let path = format!("/admin/users/{ada_id}");
    let end = format!("{path}/sessions/end");

    let page = open(&olga, &path).await;
    let sids: Vec<String> = page
        .split(r#"name="session" value=""#)
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find('"').unwrap()]))
        .collect();
    assert_eq!(sids.len(), 2, "{page}");
    let csrf = csrf_of(&page, &end);
    let response = olga
        .post(
            &end,
            &[("csrf_token", csrf.as_str()), ("session", &sids[0])],
        )
        .await;
    let (landed, _, page) = olga.follow(response).await.page();
    assert_eq!(landed, path);
    assert_done(&page, "The session is ended.");

    let still = [is_signed_in(&laptop).await, is_signed_in(&phone).await];
    assert_eq!(
        still.iter().filter(|&&s| s).count(),
        1,
        "one browser is out: {still:?}"
    );
    let live = app
        .store
        .list_live_login_sessions(&ada_id, app.clock.now())
        .await
        .unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].sid, sids[1]);
    assert!(
        !page.contains(&sids[0]),
        "the ended session is still listed"
    );

    // Again, or someone else's session: refused.
    let olga_sid = app
        .store
        .list_live_login_sessions(&user(&app, ADMIN).await.id, app.clock.now())
        .await
        .unwrap()[0]
        .sid
        .clone();
    for sid in [sids[0].as_str(), olga_sid.as_str(), "", "nonsense"] {
        let response = olga
            .post(&end, &[("csrf_token", csrf.as_str()), ("session", sid)])
            .await;
        let (_, _, page) = olga.follow(response).await.page();
        assert_refused(&page, "That session had already ended.");
    }
    assert!(is_signed_in(&olga).await);
    assert_eq!(events(&app, "session.ended").await.len(), 1);
}

#[tokio::test]
async fn admin_console_delete_needs_the_username_typed() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let path = format!("/admin/users/{ada_id}");
    let delete = format!("{path}/delete");
    for wrong in ["", "Ada", "ad", "ada2", "olga"] {
        let page = send_back(&olga, &path, &delete, &[("confirm", wrong)]).await;
        assert_refused(&page, "Type the username exactly to confirm the deletion.");
        assert!(app.store.find_user_by_id(&ada_id).await.unwrap().is_some());
    }
    assert!(events(&app, "user.deleted").await.is_empty());

    let (landed, status, page) = send(&olga, &path, &delete, &[("confirm", "ada")]).await;
    assert_eq!((landed.as_str(), status), ("/admin/users", StatusCode::OK));
    assert_done(&page, "account is deleted.");
    assert!(!listed_usernames(&page).contains(&"ada".to_string()));
    assert!(app.store.find_user_by_id(&ada_id).await.unwrap().is_none());
    assert_eq!(olga.get(&path).await.status(), StatusCode::NOT_FOUND);
    let deleted = events(&app, "user.deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].user_id.as_deref(), Some(ada_id.as_str()));
    assert_eq!(deleted[0].username.as_deref(), Some("ada"));
    assert_eq!(deleted[0].actor_id.as_deref(), Some(olga_id.as_str()));
    let (path, _) = try_sign_in(&app, "ada", PASSWORD).await;
    assert!(path.starts_with("/login"));
}

#[tokio::test]
async fn admin_console_administrator_cannot_lock_delete_reset_or_demote_themselves() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let path = format!("/admin/users/{olga_id}");
    let page = open(&olga, &path).await;
    assert!(
        !page.contains(&format!("action=\"{path}/delete\"")),
        "no delete form on one's own page"
    );
    let csrf = any_csrf(&page);

    let attempts: [(&str, Fields, &str); 5] = [
        (
            "lock",
            vec![("reason", "oops")],
            "you cannot lock your own account",
        ),
        (
            "roles",
            vec![("role_consumer", "on"), ("role_farmer", "on")],
            "you cannot take the admin role from yourself",
        ),
        (
            "delete",
            vec![("confirm", ADMIN)],
            "you cannot delete your own account here",
        ),
        (
            "password-reset",
            vec![],
            "change your own password from your account page",
        ),
        ("roles", vec![], "a user needs at least one role"),
    ];
    for (what, fields, refusal) in attempts {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        let response = olga.post(&format!("{path}/{what}"), &form).await;
        let (landed, status, page) = olga.follow(response).await.page();
        assert_eq!((landed.as_str(), status), (path.as_str(), StatusCode::OK));
        assert_refused(&page, refusal);
    }
    let me = user(&app, ADMIN).await;
    assert_eq!(me.locked, None);
    assert_eq!(me.roles, vec!["admin"]);
    assert!(!me.password_reset_required);
    assert!(is_signed_in(&olga).await);
    open(&olga, "/admin/users").await;
    assert!(events(&app, "user").await.is_empty());
    // Keeping the role while adding another is fine.
    let page = send_back(
        &olga,
        &path,
        &format!("{path}/roles"),
        &[("role_admin", "on"), ("role_farmer", "on")],
    )
    .await;
    assert_done(&page, "roles: farmer, admin.");
}

// ---------------------------------------------------------------------------------------
// Apps
// ---------------------------------------------------------------------------------------

/// Registers an app with the console's form: where it landed and the page.
async fn register_app(olga: &UserAgent, fields: &[(&str, &str)]) -> (String, StatusCode, String) {
    send(olga, "/admin/clients", "/admin/clients", fields).await
}

#[tokio::test]
async fn admin_console_registers_a_confidential_app_whose_secret_is_shown_once_and_works() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let (_, status, page) = register_app(
        &olga,
        &[
            ("name", "Stock Sync"),
            ("kind", "client_secret_basic"),
            ("grant_client_credentials", "on"),
            ("scope", "orders:read"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("App registered: Stock Sync"), "{page}");
    let id = code(&page, "uri").expect("the client id");
    let secret = code(&page, "secret").expect("the secret, this once");
    assert!(secret.len() >= 32, "{secret}");

    let record = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(record.name, "Stock Sync");
    assert_eq!(record.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(record.grant_types, vec!["client_credentials"]);
    let hash = record.secret_hash.expect("a secret hash");
    assert!(!hash.contains(&secret), "the secret is stored in clear");

    let client = TestClient {
        id: id.clone(),
        secret: secret.clone(),
    };
    let token = app.access_token(&client, Some("orders:read")).await;
    let claims = app.verify_like_a_resource_server(&token).await.unwrap();
    assert_eq!(claims["client_id"], id.as_str(), "{claims}");

    // Never shown again.
    for path in ["/admin/clients".to_string(), format!("/admin/clients/{id}")] {
        let page = open(&olga, &path).await;
        assert!(page.contains("Stock Sync"), "{path}");
        assert!(!page.contains(&secret), "{path} shows the secret");
    }
    let created = events(&app, "client.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].client_id.as_deref(), Some(id.as_str()));
    assert_eq!(created[0].actor_id.as_deref(), Some(olga_id.as_str()));
}

#[tokio::test]
async fn admin_console_registers_a_public_app_without_a_secret() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let (_, status, page) = register_app(
        &olga,
        &[
            ("name", "Farm Phone"),
            ("kind", "none"),
            ("redirect_uris", "https://phone.example/cb\r\n\r\n  "),
            ("grant_authorization_code", "on"),
            ("scope", "openid profile"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("This is a public app"), "{page}");
    assert_eq!(code(&page, "secret"), None);
    let id = code(&page, "uri").expect("the client id");
    let record = app.store.find_client(&id).await.unwrap().expect("stored");
    assert_eq!(record.token_endpoint_auth_method, "none");
    assert_eq!(record.secret_hash, None);
    assert_eq!(record.redirect_uris, vec!["https://phone.example/cb"]);
    let page = open(&olga, &format!("/admin/clients/{id}")).await;
    assert!(page.contains("public (none)"), "{page}");
    assert!(
        !page.contains("/secret\""),
        "a public app has no secret to rotate"
    );
}

#[tokio::test]
async fn admin_console_refuses_a_bad_redirect_uri_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for uri in [
        "http://shop.example/cb",
        "not a uri",
        "https://shop.example/cb#fragment",
        "javascript:alert(1)",
        "/relative/cb",
    ] {
        let (landed, status, page) = register_app(
            &olga,
            &[
                ("name", "Bad Shop"),
                ("kind", "client_secret_basic"),
                ("redirect_uris", uri),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
        assert_eq!(
            (landed.as_str(), status),
            ("/admin/clients", StatusCode::OK),
            "{uri}"
        );
        assert_refused(&page, "Not registered:");
        assert_eq!(code(&page, "secret"), None, "{uri}");
        assert!(app.store.list_clients().await.unwrap().is_empty(), "{uri}");
    }
    assert!(events(&app, "client").await.is_empty());
}

#[tokio::test]
async fn admin_console_edits_an_apps_redirect_uris_and_scope() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let client = app.web_client("openid").await;
    let path = format!("/admin/clients/{}", client.id);
    let uris = "https://rp.example/callback\nhttps://rp.example/other";
    let fields = [
        ("name", "Veggie Box"),
        ("redirect_uris", uris),
        ("grant_authorization_code", "on"),
        ("grant_refresh_token", "on"),
        ("scope", "openid profile email"),
    ];
    let page = send_back(&olga, &path, &path, &fields).await;
    assert_done(&page, "Veggie Box is saved.");
    let record = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(
        record.redirect_uris,
        vec!["https://rp.example/callback", "https://rp.example/other"]
    );
    assert_eq!(record.scope, "openid profile email");
    assert!(page.contains("https://rp.example/other"), "{page}");
    let updated = events(&app, "client.updated").await;
    assert_eq!(updated.len(), 1);

    // The new scope is granted at once (the cache is dropped).
    let agent = UserAgent::new(&app);
    app.person("ada", Role::Consumer).await;
    let back = app
        .sign_in_and_allow(&agent, &client, "ada", "openid email")
        .await;
    crate::user_agent::code_from(&app, &back);

    // A bad edit changes nothing.
    let bad = [
        ("name", "Veggie Box"),
        ("redirect_uris", "ftp://rp.example/cb"),
        ("grant_authorization_code", "on"),
        ("scope", "openid"),
    ];
    let page = send_back(&olga, &path, &path, &bad).await;
    assert_refused(&page, "Not saved:");
    let after = app.store.find_client(&client.id).await.unwrap().unwrap();
    assert_eq!(after.redirect_uris, record.redirect_uris);
    assert_eq!(after.scope, record.scope);
}

#[tokio::test]
async fn admin_console_rotating_an_apps_secret_retires_the_old_one() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let old = app.machine_client("orders:read").await;
    app.access_token(&old, None).await;
    let path = format!("/admin/clients/{}", old.id);
    let (landed, status, page) = send(&olga, &path, &format!("{path}/secret"), &[]).await;
    assert_eq!(
        (landed.as_str(), status),
        (format!("{path}/secret").as_str(), StatusCode::OK)
    );
    assert!(page.contains("New secret: test bot"), "{page}");
    let secret = code(&page, "secret").expect("the new secret");
    assert_ne!(secret, old.secret);

    let response = app.client_credentials(&old, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let new = TestClient {
        id: old.id.clone(),
        secret,
    };
    app.access_token(&new, None).await;
    assert_eq!(events(&app, "client.secret_rotated").await.len(), 1);
}

#[tokio::test]
async fn admin_console_delete_app_needs_its_name_typed() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let bot = app.machine_client("orders:read").await;
    let path = format!("/admin/clients/{}", bot.id);
    let delete = format!("{path}/delete");
    for wrong in ["", "Test Bot", "test", "bot"] {
        let page = send_back(&olga, &path, &delete, &[("confirm", wrong)]).await;
        assert_refused(&page, "Type the app's name exactly");
        assert!(app.store.find_client(&bot.id).await.unwrap().is_some());
    }
    app.access_token(&bot, None).await;

    let (landed, _, page) = send(&olga, &path, &delete, &[("confirm", "test bot")]).await;
    assert_eq!(landed, "/admin/clients");
    assert_done(&page, "test bot is deleted");
    assert!(app.store.find_client(&bot.id).await.unwrap().is_none());
    let response = app.client_credentials(&bot, None).await;
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(olga.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(events(&app, "client.deleted").await.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Registration tokens
// ---------------------------------------------------------------------------------------

const TOKENS: &str = "/admin/registration-tokens";

/// POSTs a registration (RFC 7591) with `token`.
async fn register_with(app: &TestApp, token: &str) -> reqwest::Response {
    app.http
        .post(app.url("/oauth2/register"))
        .bearer_auth(token)
        .json(&json!({"client_name": "Shop", "redirect_uris": ["https://shop.example/cb"]}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn admin_console_issues_a_registration_token_that_registers_an_app() {
    let app = TestApp::spawn().await;
    let (olga_id, olga) = admin_signed_in(&app).await;
    let (landed, status, page) = send(
        &olga,
        TOKENS,
        TOKENS,
        &[("vendor", "Shop Co"), ("uses", "2"), ("days", "3")],
    )
    .await;
    assert_eq!(
        (landed.as_str(), status),
        (TOKENS, StatusCode::OK),
        "{page}"
    );
    assert!(page.contains("Registration token for Shop Co"), "{page}");
    assert!(page.contains("up to 2 apps"), "{page}");
    let token = code(&page, "secret").expect("the token, this once");
    assert!(page.contains(&format!("{}/oauth2/register", app.issuer)));

    let stored = app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].vendor.as_deref(), Some("Shop Co"));
    assert_eq!(stored[0].uses_left, 2);
    assert_eq!(stored[0].issued_by.as_deref(), Some(olga_id.as_str()));
    assert_eq!(stored[0].expires_at - stored[0].created_at, 3 * 86_400);
    assert_ne!(stored[0].token_hash, token, "only the hash is kept");

    let response = register_with(&app, &token).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let client_id = body["client_id"].as_str().expect("a client id");
    let client = app.store.find_client(client_id).await.unwrap().unwrap();
    assert_eq!(client.vendor.as_deref(), Some("Shop Co"));

    let list = open(&olga, TOKENS).await;
    assert!(!list.contains(&token), "the list shows the token");
    let row = &rows(&list)[0];
    assert!(
        row.contains("<td>Shop Co</td><td>1</td><td>olga</td>"),
        "{row}"
    );
    assert_eq!(events(&app, "initial_access_token.created").await.len(), 1);
}

#[tokio::test]
async fn admin_console_withdrawn_registration_token_no_longer_registers() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let (_, _, page) = send(&olga, TOKENS, TOKENS, &[("vendor", "Shop Co")]).await;
    let token = code(&page, "secret").expect("the token");

    let list = open(&olga, TOKENS).await;
    let withdraw = format!("{TOKENS}/withdraw");
    let hash = hidden_fields(&list, &withdraw)
        .into_iter()
        .find(|(name, _)| name == "token")
        .expect("the withdraw form names the token")
        .1;
    let page = send_back(&olga, TOKENS, &withdraw, &[]).await;
    assert_done(&page, "The token is withdrawn");
    assert!(page.contains("<p>None.</p>"), "{page}");
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let response = register_with(&app, &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(app.store.list_clients().await.unwrap().is_empty());
    assert_eq!(
        events(&app, "initial_access_token.withdrawn").await.len(),
        1
    );

    // Again, or something that is no token: refused.
    let csrf = any_csrf(&page);
    for id in [hash.as_str(), "abc", &"0".repeat(64), &"a".repeat(1000)] {
        let response = olga
            .post(&withdraw, &[("csrf_token", csrf.as_str()), ("token", id)])
            .await;
        let (landed, _, page) = olga.follow(response).await.page();
        assert_eq!(landed, TOKENS);
        assert_refused(&page, "already used up, expired or withdrawn");
    }
    assert_eq!(
        events(&app, "initial_access_token.withdrawn").await.len(),
        1
    );
}

#[tokio::test]
async fn admin_console_refuses_registration_tokens_with_bad_numbers() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    // (days, uses, refusal)
    let cases: [(&str, &str, &str); 9] = [
        ("abc", "1", "whole numbers"),
        ("1", "1.5", "whole numbers"),
        ("1", "0", "a token allows 1 to 100 registrations"),
        ("1", "101", "a token allows 1 to 100 registrations"),
        ("1", "-3", "a token allows 1 to 100 registrations"),
        ("31", "1", "the lifetime must be"),
        ("-1", "1", "the lifetime must be"),
        ("0", "1", "the lifetime must be"),
        ("9223372036854775807", "1", "the lifetime must be"),
    ];
    for (days, uses, refusal) in cases {
        let (landed, status, page) =
            send(&olga, TOKENS, TOKENS, &[("days", days), ("uses", uses)]).await;
        assert_eq!(
            (landed.as_str(), status),
            (TOKENS, StatusCode::OK),
            "days {days}, uses {uses}"
        );
        assert_refused(&page, refusal);
        assert_eq!(code(&page, "secret"), None);
    }
    assert!(
        app.store
            .list_usable_initial_access_tokens(app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(events(&app, "initial_access_token").await.is_empty());
}

// ---------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_console_key_rotation_publishes_a_new_kid_and_lists_both_keys() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let before = app.jwks().await;
    assert_eq!(before.keys.len(), 1);
    let old_kid = before.keys[0].common.key_id.clone().expect("a kid");
    let page = open(&olga, "/admin/keys").await;
    assert_eq!(rows(&page).len(), 1);

    let page = send_back(&olga, "/admin/keys", "/admin/keys/rotate", &[]).await;
    let done = notice(&page).expect("a notice");
    let new_kid = done
        .strip_prefix("New signing key ")
        .and_then(|rest| rest.split(' ').next())
        .expect("the notice names the kid")
        .to_string();
    assert_ne!(new_kid, old_kid);
    let listed = rows(&page);
    assert_eq!(listed.len(), 2, "{page}");
    assert!(listed[0].contains(&new_kid) && listed[0].contains("<td>signing</td>"));
    assert!(listed[1].contains(&old_kid) && listed[1].contains("retired, still published"));

    let after = app.jwks().await;
    let kids: Vec<String> = after
        .keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect();
    assert!(
        kids.contains(&new_kid) && kids.contains(&old_kid),
        "{kids:?}"
    );
    // New tokens are signed with it.
    let bot = app.machine_client("orders:read").await;
    let token = app.access_token(&bot, None).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    let rotated = events(&app, "keys.rotated").await;
    assert_eq!(rotated.len(), 1);
    assert_eq!(
        rotated[0].detail.as_deref(),
        Some(format!("by administrator olga: new key {new_kid}").as_str())
    );
}

// ---------------------------------------------------------------------------------------
// Audit trail
// ---------------------------------------------------------------------------------------

/// The audit page for `filters`.
async fn audit(agent: &UserAgent, filters: &[(&str, &str)]) -> String {
    open(agent, &format!("/admin/audit?{}", encode(filters))).await
}

/// The event names of the audit page's rows.
fn event_names(page: &str) -> Vec<String> {
    rows(page)
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            cells[2].trim_end_matches("</td>").to_string()
        })
        .collect()
}

fn day_of(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap()
        .date()
        .to_string()
}

#[tokio::test]
async fn admin_console_audit_filters_by_person_event_family_and_dates_and_names_the_administrator()
{
    let app = TestApp::spawn().await;
    let ada_id = app.person("ada", Role::Consumer).await;
    // Older events, twenty and ten days ago (written first, as the trail would have).
    let today = app.clock.now();
    for (days, event) in [(20, "totp.enabled"), (10, "password.reset")] {
        let record = AuditRecord {
            at: today - days * 86_400,
            event: event.into(),
            outcome: "success".into(),
            user_id: Some(ada_id.clone()),
            username: Some("ada".into()),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let (_, olga) = admin_signed_in(&app).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let ada_path = format!("/admin/users/{ada_id}");
    send_back(
        &olga,
        &ada_path,
        &format!("{ada_path}/lock"),
        &[("reason", "fraud")],
    )
    .await;
    let fred_path = format!("/admin/users/{fred_id}");
    send_back(
        &olga,
        &fred_path,
        &format!("{fred_path}/company"),
        &[("company", "Green Acres")],
    )
    .await;
    send_back(&olga, "/admin/keys", "/admin/keys/rotate", &[]).await;

    // Everything, newest first, with who did it.
    let page = audit(&olga, &[]).await;
    let names = event_names(&page);
    assert_eq!(names[0], "keys.rotated", "{names:?}");
    assert!(page.contains("by administrator olga: fraud"), "{page}");
    assert!(page.contains("by administrator olga: company Green Acres"));

    // By person: username or id.
    for who in ["ada", ada_id.as_str()] {
        let names = event_names(&audit(&olga, &[("user", who)]).await);
        assert_eq!(
            names,
            vec!["user.locked", "password.reset", "totp.enabled"],
            "{who}"
        );
    }
    let page = audit(&olga, &[("user", "fred")]).await;
    assert_eq!(event_names(&page), vec!["user.company"]);
    let page = audit(&olga, &[("user", "nobody-at-all")]).await;
    assert!(page.contains("No events match (is the username right?)"));

    // By family or exact name.
    let names = event_names(&audit(&olga, &[("event", "user")]).await);
    assert_eq!(names, vec!["user.company", "user.locked"]);
    let names = event_names(&audit(&olga, &[("event", "user.locked")]).await);
    assert_eq!(names, vec!["user.locked"]);
    let names = event_names(&audit(&olga, &[("event", "keys")]).await);
    assert_eq!(names, vec!["keys.rotated"]);
    let names = event_names(&audit(&olga, &[("event", "use")]).await);
    assert!(names.is_empty(), "a family is a whole prefix: {names:?}");
    let names = event_names(&audit(&olga, &[("event", "%")]).await);
    assert!(names.is_empty(), "% is literal: {names:?}");
    let names = event_names(&audit(&olga, &[("event", "login")]).await);
    assert!(!names.is_empty() && names.iter().all(|n| n.starts_with("login.")));

    // By dates (UTC days, both inclusive).
    let ten = day_of(today - 10 * 86_400);
    let twenty = day_of(today - 20 * 86_400);
    let page = audit(&olga, &[("from", &ten), ("to", &ten)]).await;
    assert_eq!(event_names(&page), vec!["password.reset"]);
    assert!(
        page.contains(&format!("value=\"{ten}\"")),
        "the filter is kept"
    );
    let page = audit(&olga, &[("to", &ten)]).await;
    assert_eq!(event_names(&page), vec!["password.reset", "totp.enabled"]);
    let page = audit(&olga, &[("from", &twenty), ("to", &ten), ("user", "ada")]).await;
    assert_eq!(event_names(&page), vec!["password.reset", "totp.enabled"]);
    let page = audit(&olga, &[("from", &day_of(today - 86_400))]).await;
    let names = event_names(&page);
    assert!(names.contains(&"user.locked".to_string()));
    assert!(!names.contains(&"password.reset".to_string()));
    // Unreadable dates are ignored rather than refused.
    for junk in ["yesterday", "2024-13-45", "\u{0}", "9999999999-01-01"] {
        let page = audit(&olga, &[("from", junk), ("event", "user")]).await;
        assert_eq!(event_names(&page).len(), 2, "from {junk:?}");
    }
}

#[tokio::test]
async fn admin_console_audit_pages_back_with_older_events() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let start = app.clock.now() - 1000;
    for n in 0..120 {
        let record = AuditRecord {
            at: start + n,
            event: "session.ended".into(),
            outcome: "success".into(),
            user_id: Some(ada_id.clone()),
            detail: Some(format!("event #{n:03}")),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut page = audit(&olga, &[("user", "ada"), ("event", "session")]).await;
    let mut pages = 1;
    loop {
        for row in rows(&page) {
            let at = row.find("event #").expect("a numbered event");
            seen.push(row[at + 7..at + 10].parse::<i64>().unwrap());
        }
        let Some(older) = link_rel(&page, "next") else {
            break;
        };
        assert!(older.contains("user=ada"), "{older}");
        assert!(older.contains("event=session"), "{older}");
        assert!(older.contains("before="), "{older}");
        page = open(&olga, &older).await;
        pages += 1;
        assert!(pages <= 4, "too many pages");
    }
    assert_eq!(pages, 3);
    let expected: Vec<i64> = (0..120).rev().collect();
    assert_eq!(seen, expected, "newest first, each once");
    // A nonsense `before` is ignored.
    let page = audit(&olga, &[("user", "ada"), ("before", "x")]).await;
    assert_eq!(rows(&page).len(), 50);
}

// ---------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_console_forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    app.person("boris", Role::Admin).await;
    let boris = signed_in(&app, "boris").await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let real = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let borises = any_csrf(&open(&boris, "/admin/keys").await);
    assert_ne!(real, borises);

    let forgeries: [(&str, Option<String>); 6] = [
        ("missing", None),
        ("random", Some("A".repeat(43))),
        ("another administrator's", Some(borises.clone())),
        ("truncated", Some(real[..real.len() - 1].to_string())),
        ("extended", Some(format!("{real}A"))),
        ("with a NUL byte", Some(format!("{real}\0"))),
    ];
    for (action, fields) in console_posts(&ada_id) {
        for (what, token) in &forgeries {
            let mut form: Fields = fields.clone();
            if let Some(token) = token {
                form.push(("csrf_token", token.as_str()));
            }
            let response = olga.post(&action, &form).await;
            let what = format!("{action} with a {what} token");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
            assert_page_headers(&what, &response);
            let body = response.text().await.unwrap();
            assert!(body.contains(EXPIRED_FORM), "{what}: {body}");
        }
    }
    assert_nothing_changed(&app, &ada_id).await;
    // A GET does not change anything either: the forms are POST only.
    let response = olga.get(&format!("/admin/users/{ada_id}/lock")).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_signed_in(&olga).await);
}

#[tokio::test]
async fn admin_console_refuses_a_megabyte_form_with_a_4xx() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let csrf = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let padding = "a".repeat(1024 * 1024);
    for (action, fields) in console_posts(&ada_id) {
        let mut form: Fields = fields.clone();
        form.push(("csrf_token", csrf.as_str()));
        form.push(("padding", &padding));
        let response = olga
            .http
            .post(app.url(&action))
            .header(CONTENT_TYPE, FORM)
            .body(encode(&form))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{action}: {status}");
        assert_page_headers(&action, &response);
    }
    // In a field that is kept, a megabyte is as refused.
    let response = olga
        .post(
            &format!("/admin/users/{ada_id}/lock"),
            &[("csrf_token", csrf.as_str()), ("reason", &padding)],
        )
        .await;
    assert!(response.status().is_client_error());
    assert_nothing_changed(&app, &ada_id).await;
}

/// POSTs raw bytes as a form with `agent`'s cookies.
async fn post_bytes(
    app: &TestApp,
    agent: &UserAgent,
    path: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    agent
        .http
        .post(app.url(path))
        .header(CONTENT_TYPE, FORM)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn admin_console_takes_nul_and_non_utf8_bytes_without_a_500_or_storing_them() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let fred_id = app.person("fred", Role::Farmer).await;
    let csrf = any_csrf(&open(&olga, &format!("/admin/users/{ada_id}")).await);
    let with_csrf = |rest: &[u8]| {
        let mut body =
            format!("csrf_token={}&", encode(&[("x", &csrf)])[2..].to_owned()).into_bytes();
        body.extend_from_slice(rest);
        body
    };

    // A reason with a NUL, then one with bytes that are not UTF-8.
    let lock = format!("/admin/users/{ada_id}/lock");
    let response = post_bytes(&app, &olga, &lock, with_csrf(b"reason=fr%00aud")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, reason) = user(&app, "ada").await.locked.expect("locked");
    assert_eq!(reason, "fraud");
    let company = format!("/admin/users/{fred_id}/company");
    let response = post_bytes(&app, &olga, &company, with_csrf(b"company=Gr\xff\xfeen%FF")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let kept = user(&app, "fred").await.company.expect("a company");
    assert!(kept.starts_with("Gr") && !kept.contains('\0'), "{kept:?}");

    let bodies: Vec<(String, Vec<u8>)> = vec![
        (company.clone(), with_csrf(b"company=a%00b")),
        (
            format!("/admin/users/{ada_id}/unlock"),
            with_csrf(b"reason=%00%00"),
        ),
        (
            format!("/admin/users/{ada_id}/delete"),
            with_csrf(b"confirm=ada%00"),
        ),
        (
            format!("/admin/users/{ada_id}/sessions/end"),
            with_csrf(b"session=%00abc"),
        ),
        (
            format!("/admin/users/{ada_id}/roles"),
            with_csrf(b"role_consumer=%00&role_%00=on"),
        ),
        (
            "/admin/clients".into(),
            with_csrf(b"name=Bad%00App&kind=none&redirect_uris=https://a.example/cb&grant_authorization_code=on"),
        ),
        (
            "/admin/clients".into(),
            with_csrf(b"name=Bad\xffApp&kind=none%00&redirect_uris=https://a.example/c%00b&grant_authorization_code=on&scope=openid%00"),
        ),
        (
            TOKENS.into(),
            with_csrf(b"vendor=Shop%00Co&uses=1%00&days=1"),
        ),
        (
            TOKENS.into(),
            with_csrf(b"vendor=Shop\xff\xfeCo&uses=1&days=1"),
        ),
    ];
    for (path, body) in bodies {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let response = post_bytes(&app, &olga, &path, body).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {shown}");
        assert!(
            matches!(
                status,
                StatusCode::SEE_OTHER | StatusCode::OK | StatusCode::BAD_REQUEST
            ),
            "{path}: {status}"
        );
    }
    assert!(app.store.find_user_by_id(&ada_id).await.unwrap().is_some());
    for client in app.store.list_clients().await.unwrap() {
        assert!(!client.name.contains('\0'), "{:?}", client.name);
        assert!(client.redirect_uris.iter().all(|u| !u.contains('\0')));
    }
    for token in app
        .store
        .list_usable_initial_access_tokens(app.clock.now())
        .await
        .unwrap()
    {
        let vendor = token.vendor.unwrap_or_default();
        assert!(!vendor.contains('\0'), "{vendor:?}");
    }
    // In queries too.
    for path in [
        "/admin/users?q=%00",
        "/admin/users?q=%FF%FE",
        "/admin/users?q=a%00b&page=%00",
        "/admin/audit?user=%00&event=%FF&client=%00&from=%00&to=%FF&before=%00",
        "/admin/audit?user=ada%00",
    ] {
        let response = olga.get(path).await;
        let status = response.status();
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
    }
}

#[tokio::test]
async fn admin_console_withdraw_with_a_nul_byte_in_the_token_is_refused_not_a_500() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let csrf = any_csrf(&open(&olga, TOKENS).await);
    let token = format!("{}\0", "a".repeat(63));
    let response = olga
        .post(
            &format!("{TOKENS}/withdraw"),
            &[("csrf_token", csrf.as_str()), ("token", token.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, _, page) = olga.follow(response).await.page();
    assert_refused(&page, "already used up, expired or withdrawn");
}

#[tokio::test]
async fn admin_console_escapes_markup_in_names() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let markup = "<script>alert(\"x\")</script>";
    // An email address may hold markup (no spaces in it).
    let email = "<img/src=x/onerror=alert(1)>@farm.example";
    let eve_id = stored_user(&app, "eve", email).await;
    let path = format!("/admin/users/{eve_id}");
    let page = send_back(
        &olga,
        &path,
        &format!("{path}/company"),
        &[("company", "<b>Evil & Co</b>")],
    )
    .await;
    assert!(shows_escaped(&page, "<b>Evil & Co</b>"), "{page}");
    let page = send_back(&olga, &path, &format!("{path}/lock"), &[("reason", markup)]).await;
    for raw in ["<b>Evil", "<script>", "<img/src"] {
        assert!(!page.contains(raw), "{raw} unescaped on the user page");
    }
    assert!(shows_escaped(&page, markup), "the reason, escaped");
    assert!(shows_escaped(&page, email), "the email, escaped");

    let (_, _, page) = register_app(
        &olga,
        &[
            ("name", "<i>Shop</i> \"quoted\""),
            ("kind", "client_secret_basic"),
            ("grant_client_credentials", "on"),
        ],
    )
    .await;
    assert!(!page.contains("<i>Shop"), "{page}");
    let id = code(&page, "uri").expect("registered");
    for path in ["/admin/clients".to_string(), format!("/admin/clients/{id}")] {
        let page = open(&olga, &path).await;
        assert!(!page.contains("<i>Shop"), "{path}");
        assert!(shows_escaped(&page, "<i>Shop</i>"), "{path}");
    }
    let (_, _, page) = send(&olga, TOKENS, TOKENS, &[("vendor", markup)]).await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(!open(&olga, TOKENS).await.contains("<script>"));

    for path in [
        format!(
            "/admin/users?q={}",
            encode(&[("x", markup)])[2..].to_owned()
        ),
        format!(
            "/admin/audit?{}",
            encode(&[("user", markup), ("event", markup)])
        ),
        "/admin/audit".into(),
        "/admin/users".into(),
    ] {
        let page = open(&olga, &path).await;
        assert!(!page.contains("<script>"), "{path}");
        assert!(!page.contains("<img/src"), "{path}");
    }
    let page = open(&olga, "/admin/users?q=%3Cscript%3E").await;
    assert!(
        shows_escaped(&page, "<script>"),
        "the query is shown escaped"
    );
}

#[tokio::test]
async fn admin_console_ids_with_control_characters_or_10_kb_long_are_404_pages() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    let ada_id = app.person("ada", Role::Consumer).await;
    let csrf = any_csrf(&open(&olga, "/admin/keys").await);
    let long = "a".repeat(10 * 1024);
    let ids = [
        "%00".to_string(),
        "%0A".to_string(),
        format!("{ada_id}%00"),
        format!("%1B{ada_id}"),
        "%7F".to_string(),
        long.clone(),
        "no-such-id".to_string(),
    ];
    for id in &ids {
        for path in [format!("/admin/users/{id}"), format!("/admin/clients/{id}")] {
            let response = olga.get(&path).await;
            let shown: String = path.chars().take(60).collect();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {shown}");
            assert_page_headers(&shown, &response);
            assert!(
                response.text().await.unwrap().contains(NOT_FOUND),
                "{shown}"
            );
        }
        let posts = [
            (format!("/admin/users/{id}/lock"), vec![("reason", "x")]),
            (format!("/admin/users/{id}/unlock"), vec![]),
            (
                format!("/admin/users/{id}/roles"),
                vec![("role_admin", "on")],
            ),
            (format!("/admin/users/{id}/company"), vec![("company", "x")]),
            (format!("/admin/users/{id}/password-reset"), vec![]),
            (
                format!("/admin/users/{id}/sessions/end"),
                vec![("session", "x")],
            ),
            (
                format!("/admin/users/{id}/delete"),
                vec![("confirm", "ada")],
            ),
            (format!("/admin/clients/{id}"), vec![("name", "x")]),
            (format!("/admin/clients/{id}/secret"), vec![]),
            (
                format!("/admin/clients/{id}/delete"),
                vec![("confirm", "x")],
            ),
        ];
        for (path, fields) in posts {
            let mut form: Fields = fields.clone();
            form.push(("csrf_token", csrf.as_str()));
            let response = olga.post(&path, &form).await;
            let shown: String = path.chars().take(60).collect();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {shown}");
        }
    }
    // Bytes that are not UTF-8 cannot name anything either: some 4xx, never a 500.
    for path in ["/admin/users/%FF%FE", "/admin/clients/%C3%28"] {
        let status = olga.get(path).await.status();
        assert!(status.is_client_error(), "{path}: {status}");
    }
    assert_nothing_changed(&app, &ada_id).await;
}

#[tokio::test]
async fn admin_console_pages_carry_the_page_security_headers() {
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

#[tokio::test]
async fn admin_console_pager_links_have_no_stray_ampersand() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        stored_user(
            &app,
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    let page = open(&olga, "/admin/users").await;
    assert_eq!(
        link_rel(&page, "next").as_deref(),
        Some("/admin/users?page=2")
    );
    let page = open(&olga, "/admin/users?page=2").await;
    assert_eq!(
        link_rel(&page, "prev").as_deref(),
        Some("/admin/users?page=1")
    );
    for n in 0..60 {
        let record = AuditRecord {
            at: app.clock.now() - 100 + n,
            event: "session.ended".into(),
            outcome: "success".into(),
            ..AuditRecord::default()
        };
        app.store.insert_audit_event(&record).await.unwrap();
    }
    let page = open(&olga, "/admin/audit?event=session").await;
    let older = link_rel(&page, "next").expect("an Older events link");
    assert!(
        older.starts_with("/admin/audit?event=session&before="),
        "{older}"
    );
}

#[tokio::test]
async fn admin_console_users_page_past_the_last_falls_back_to_page_1() {
    let app = TestApp::spawn().await;
    let (_, olga) = admin_signed_in(&app).await;
    for n in 0..30 {
        stored_user(
            &app,
            &format!("member{n:02}"),
            &format!("m{n:02}@farm.example"),
        )
        .await;
    }
    let first = listed_usernames(&open(&olga, "/admin/users").await);
    for page in ["3", "4", "100000"] {
        let path = format!("/admin/users?page={page}");
        let shown = open(&olga, &path).await;
        assert!(shown.contains("Page 1 of 2"), "{path}");
        assert_eq!(listed_usernames(&shown), first, "{path}");
    }
}
