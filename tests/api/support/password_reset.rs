//! "Forgot your password?" as several rule families need it: asking for a link, the link in
//! the mail, and choosing a new password with it.

use reqwest::StatusCode;

use super::app::{TestApp, link_in};
use super::user_agent::UserAgent;

/// The new password the tests choose.
pub const NEW_PASSWORD: &str = "rhubarb under a bucket";

/// Asks for a reset link for `email` from a new browser: the answer's status and page.
pub async fn ask_for_reset(app: &TestApp, email: &str) -> (StatusCode, String) {
    let agent = UserAgent::new(app);
    let (_, _, page) = agent.navigate("/password/forgot").await.page();
    let (path, status, body) = agent
        .submit(&page, "/password/forgot", &[("email", email)])
        .await
        .page();
    assert_eq!(path, "/password/forgot", "{body}");
    (status, body)
}

/// The reset link in the `n`-th mail to `username`'s address (waiting for it).
pub async fn reset_link(app: &TestApp, username: &str, n: usize) -> String {
    let mail = app
        .wait_for_mail(&format!("{username}@farm.example"), n)
        .await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    link_in(&mail, &format!("{}/password/reset?token=", app.issuer))
}

/// The token a reset link carries.
pub fn token_of(link: &str) -> &str {
    link.split_once("?token=").expect("a token in the link").1
}

/// Opens a reset link in `agent`; asserts it shows the form and returns the page.
pub async fn open_reset_form(agent: &UserAgent, link: &str) -> String {
    let (path, status, page) = agent.navigate(link).await.page();
    assert_eq!(status, StatusCode::OK, "{path}:\n{page}");
    assert!(page.contains("action=\"/password/reset\""), "{page}");
    page
}

/// Sends the reset form of `form_page` with `new_password`: where it landed.
pub async fn choose_password(
    agent: &UserAgent,
    form_page: &str,
    new_password: &str,
) -> (String, StatusCode, String) {
    agent
        .submit(
            form_page,
            "/password/reset",
            &[("new_password", new_password)],
        )
        .await
        .page()
}

/// Uses a reset link from start to end in a new browser, asserting success.
pub async fn reset_with(app: &TestApp, link: &str, new_password: &str) {
    let agent = UserAgent::new(app);
    let form = open_reset_form(&agent, link).await;
    let (_, status, page) = choose_password(&agent, &form, new_password).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Your password is changed"), "{page}");
}
