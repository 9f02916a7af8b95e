//! Authenticator apps (RFC 6238) through the browser, one module per step: enrolment on the
//! account page, the second step of a sign-in, and recovery codes. Shared here: the refused
//! second step and a browser that is signed out.

mod enrolment;
mod recovery_codes;
mod second_step;

use reqwest::StatusCode;

use crate::support::{Landing, TestApp, UserAgent};

const SCOPE: &str = "openid profile";

const WRONG_CODE: &str = "That code is not right. Check it and try again.";

/// Asserts that the browser is not signed in: the account page sends it to sign in.
async fn assert_signed_out(agent: &UserAgent) {
    let (path, status, page) = agent.navigate("/account").await.page();
    assert_eq!(path, "/login", "{page}");
    assert_eq!(status, StatusCode::OK);
}

/// Asserts a refused code: the second step again, saying `message`.
#[track_caller]
fn assert_refused(landing: Landing, message: &str) -> String {
    let (path, status, page) = landing.page();
    assert_eq!(path, "/login/second-factor", "{page}");
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(message), "{message:?} not on:\n{page}");
    page
}
async fn user_id(app: &TestApp, username: &str) -> String {
    app.store
        .find_user_by_username(username)
        .await
        .unwrap()
        .expect("the user")
        .id
}
