//! The administration console under `/admin`, one module per area (APIs in `apis`). Shared here: an
//! administrator signed in, opening console pages and sending their forms, reading notices,
//! rows and events off a page, and the list of every console page and form with the check that
//! a refused request changed nothing.

mod access;
mod apis;
mod apps;
mod hostile_input;
mod keys_and_audit;
mod people;
mod registration_tokens;
mod suspended_apps;
mod suspension;

use farm_auth::accounts::users::Role;
use farm_auth::store::audit::{AuditFilter, AuditRecord};
use farm_auth::store::users::UserRecord;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::support::{TestApp, UserAgent, assert_page_headers, now, signed_in, unescape};

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

/// An administrator `ADMIN` (created here), signed in: their id and browser.
async fn admin_signed_in(app: &TestApp) -> (String, UserAgent) {
    let id = app.person(ADMIN, Role::Admin).await;
    (id, signed_in(app, ADMIN).await.agent)
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

/// The console paths a GET opens.
fn console_pages(target: &str) -> Vec<String> {
    vec![
        "/admin".into(),
        "/admin/users".into(),
        "/admin/users?q=ada".into(),
        format!("/admin/users/{target}"),
        "/admin/clients".into(),
        "/admin/apis".into(),
        "/admin/upstreams".into(),
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
        (
            "/admin/apis".into(),
            vec![
                ("name", "Evil API"),
                ("audience", "https://evil.example"),
                ("scopes", "evil:all"),
            ],
        ),
        (
            "/admin/upstreams".into(),
            vec![
                ("id", "evil"),
                ("label", "Evil"),
                ("issuer", "https://evil.example"),
                ("client_id", "evil"),
                ("client_secret", "evil"),
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

const TOKENS: &str = "/admin/registration-tokens";

/// Registers an app with the console's form: where it landed and the page.
async fn register_app(olga: &UserAgent, fields: &[(&str, &str)]) -> (String, StatusCode, String) {
    send(olga, "/admin/clients", "/admin/clients", fields).await
}
