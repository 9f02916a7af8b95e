//! The profile part of the account page: the display name, a change of e-mail address with
//! the two pages its mailed links open (confirm at the new address, undo at the old), a
//! download of one's data, and deleting the account.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::account::{AccountPost, back, done, factor_refusal, proof_in, refused};
use super::csrf::CsrfForm;
use super::error::{PageError, no_store};
use super::extract::RequestOrigin;
use super::pages::{self, Csp, EmailChangeLinkPage};
use super::session::BrowserSession;
use crate::accounts::deletion::{self, DeleteError};
use crate::accounts::email_change::{self, ChangeLinkError, EmailChangeError};
use crate::accounts::email_links::{self, LinkError};
use crate::accounts::export;
use crate::accounts::profile::{self, ProfileError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/name", post(post_name))
        .route("/account/email", post(post_email))
        .route(
            "/account/email/confirm",
            get(get_confirm_email).post(post_confirm_email),
        )
        .route(
            "/account/email/undo",
            get(get_undo_email).post(post_undo_email),
        )
        .route("/account/export", post(post_export))
        .route("/account/delete", post(post_delete))
}

async fn post_name(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let text = form.get("display_name").unwrap_or_default();
    let notice = match profile::set_display_name(&state, &origin, &user, text).await {
        Ok(Some(_)) => done("Your display name is saved."),
        Ok(None) => done("Your display name is removed; apps see your username."),
        Err(ProfileError::Invalid(why)) => refused(crate::i18n::t1(
            "page-name-unusable",
            "why",
            &crate::i18n::translate(&why.to_string()),
        )),
        Err(ProfileError::Store(error)) => return Err(error.into()),
    };
    back(&session, notice).await
}

async fn post_email(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    let new_email = form.get("new_email").unwrap_or_default();
    let asked =
        email_change::request_change(&state, &origin, &user, proof_in(&form, &me), new_email);
    let notice = match asked.await {
        Ok(()) => done(
            "We sent a link to the new address. Your address changes when you follow it (within one hour).",
        ),
        Err(EmailChangeError::Invalid(why)) => refused(format!("{why}.")),
        Err(EmailChangeError::TooMany) => refused(
            "You asked to change your address three times this hour. Please use the last link we sent, or try again later.",
        ),
        Err(EmailChangeError::Confirm(error)) => factor_refusal(&state, error)?,
    };
    back(&session, notice).await
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// The page a mailed link opens: one button that posts the token. A mail scanner that
/// fetches the link changes nothing.
async fn link_page(
    session: &BrowserSession,
    token: Option<String>,
    page: EmailChangeLinkPage,
) -> Result<Response, PageError> {
    let token = token.unwrap_or_default();
    if !email_links::plausible_token(&token) {
        return Ok(link_invalid());
    }
    let page = EmailChangeLinkPage {
        csrf_token: session.csrf_token().await?,
        token,
        ..page
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

fn link_invalid() -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "This link does not work any more",
        "Links we send by email work once and for a short time only.",
        Some(("/account", "Go to your account")),
    )
}

async fn get_confirm_email(
    session: BrowserSession,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let page = EmailChangeLinkPage {
        csrf_token: String::new(),
        token: String::new(),
        title: "Use this email address",
        lead: "One click and this becomes the email address of your account.",
        action: "/account/email/confirm",
        button: "Use this address",
    };
    link_page(&session, query.token, page).await
}

async fn get_undo_email(
    session: BrowserSession,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let page = EmailChangeLinkPage {
        csrf_token: String::new(),
        token: String::new(),
        title: "Undo the change of your email address",
        lead: "This puts your previous address back, signs out every session and app, and asks you to choose a new password with a link we mail to that address.",
        action: "/account/email/undo",
        button: "Undo the change",
    };
    link_page(&session, query.token, page).await
}

/// What a followed link came to, as a page.
fn link_outcome(outcome: Result<(&str, &str), ChangeLinkError>) -> Result<Response, PageError> {
    match outcome {
        Ok((title, text)) => Ok(pages::message(
            StatusCode::OK,
            title,
            text,
            Some(("/account", "Go to your account")),
        )),
        Err(ChangeLinkError::InUse) => Ok(pages::message(
            StatusCode::CONFLICT,
            "That address belongs to another account",
            "Another account started using that address after the link was sent, so nothing was changed.",
            Some(("/account", "Go to your account")),
        )),
        Err(ChangeLinkError::Link(LinkError::Store(error))) => Err(error.into()),
        Err(ChangeLinkError::Link(LinkError::Password(error))) => Err(error.into()),
        Err(ChangeLinkError::Link(_)) => Ok(link_invalid()),
    }
}

async fn post_confirm_email(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let token = form.get("token").unwrap_or_default();
    let changed = email_change::confirm_change(&state, &origin, token).await;
    link_outcome(changed.map(|_| {
        (
            "Your email address is changed",
            "Mail about your account now goes to the new address, which is confirmed.",
        )
    }))
}

async fn post_undo_email(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let token = form.get("token").unwrap_or_default();
    let undone = email_change::undo_change(&state, &origin, token).await;
    if undone.is_ok() {
        // Whoever made the change may be signed in in this very browser.
        session.sign_out().await?;
    }
    link_outcome(undone.map(|_| {
        (
            "The change is undone",
            "Your previous address is back and everyone was signed out. We mailed you a link to choose a new password; you can sign in again once you have.",
        )
    }))
}

async fn post_export(
    State(state): State<AppState>,
    AccountPost { user, .. }: AccountPost,
) -> Result<Response, PageError> {
    let data = export::export(&state, &user).await?;
    Ok(download(&data, &user.username))
}

/// `data` as a JSON file download named after the account, never cached.
pub fn download(data: &export::Export, username: &str) -> Response {
    let body = match serde_json::to_vec_pretty(data) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "an account export failed to serialize");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // Usernames are ASCII letters, digits and `._-`: safe in a quoted file name.
    let disposition = format!("attachment; filename=\"farm-auth-{username}.json\"");
    let disposition = HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static(
        "attachment; filename=\"farm-auth.json\"",
    ));
    (
        StatusCode::OK,
        no_store(),
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn post_delete(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        me,
        user,
        form,
    }: AccountPost,
) -> Result<Response, PageError> {
    if form.get("confirm") != Some("delete") {
        let notice = refused("Tick the box to say you want your account deleted.");
        return back(&session, notice).await;
    }
    let deleted = deletion::delete_own_account(&state, &origin, &user, proof_in(&form, &me)).await;
    let notice = match deleted {
        Ok(()) => {
            session.sign_out().await?;
            return Ok(pages::message(
                StatusCode::OK,
                "Your account is deleted",
                "Your account, its sign-in methods, sessions and app connections are gone. Apps you used may keep what they stored themselves; ask them to delete it.",
                Some(("/signup", "Create a new account")),
            ));
        }
        Err(DeleteError::LastOwner(farms)) => refused(crate::i18n::t1(
            "page-last-owner",
            "farms",
            &farms.join(", "),
        )),
        Err(DeleteError::Confirm(error)) => factor_refusal(&state, error)?,
    };
    back(&session, notice).await
}
