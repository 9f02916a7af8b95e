//! The person's own account, complete (issue 14): a display name, a change of e-mail
//! address confirmed by mail and undoable from the old address, deleting the account, and
//! a download of one's data; each on the account page and through the account API. One
//! module per capability; shared here: the account page's forms and the stored account.

mod deletion;
mod display_name;
mod email_change;
mod export;
mod without_password;

use farm_auth::store::users::UserRecord;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, UserAgent, link_in, send_json};

/// What the account API is asked for by a platform app managing the account.
const ACCOUNT_SCOPE: &str = "openid profile account";

/// Submits the form at `action` on the account page of `agent` with `fields`, and returns
/// the page it lands on (the account page with its notice, or a page of its own).
async fn on_account_page(agent: &UserAgent, action: &str, fields: &[(&str, &str)]) -> String {
    let (_, _, page) = agent.navigate("/account").await.page();
    let (_, _, after) = agent.submit(&page, action, fields).await.page();
    after
}

/// The stored account named `username`, if any.
async fn account(app: &TestApp, username: &str) -> Option<UserRecord> {
    app.store.find_user_by_username(username).await.unwrap()
}

/// Marks `username`'s address confirmed, as following the sign-up link would.
async fn confirm_address(app: &TestApp, username: &str) {
    let user = account(app, username).await.unwrap();
    let now = app.clock.now();
    assert!(
        app.store
            .set_email_verified(&user.id, &user.email, now)
            .await
            .unwrap()
    );
}

/// The link starting `{issuer}{path}?token=` in the `n`-th mail to `to` (waiting for it).
async fn mailed_link(app: &TestApp, to: &str, n: usize, path: &str) -> String {
    let mail = app.wait_for_mail(to, n).await;
    link_in(&mail, &format!("{}{path}?token=", app.issuer))
}

/// Opens `link` in `agent` and presses the one button of its page (posting to `action`):
/// the status and text of the page that answers.
async fn follow_link(agent: &UserAgent, link: &str, action: &str) -> (StatusCode, String) {
    let (_, status, page) = agent.navigate(link).await.page();
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, status, after) = agent.submit(&page, action, &[]).await.page();
    (status, after)
}

/// A call to the account API with `token` and the JSON `body`.
async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Response {
    send_json(app, method, path, Some(token), &body).await
}
