//! "Forgot your password?": the request page (answered the same whether or not the address
//! is known), the page the mailed link opens to set a new password, the review of second
//! factors added lately that follows it (decision 71), and the link that confirms an email
//! address.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::RequestOrigin;
use super::pages::{
    self, Csp, ForgotPasswordPage, ResetPasswordPage, ResetReviewPage, ReviewedFactor,
    VerifyEmailPage,
};
use super::session::BrowserSession;
use crate::accounts::email_links::{self, Asker, LinkError, ResetRefused};
use crate::accounts::factor_review;
use crate::state::AppState;
use crate::store::users::UserRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(get_forgot).post(post_forgot))
        .route("/password/reset", get(get_reset).post(post_reset))
        .route("/password/reset/review", get(get_review).post(post_review))
        .route("/email/verify", get(get_verify).post(post_verify))
}

const FORGOT_FLASH: &str = "flash:forgot";
const RESET_FLASH: &str = "flash:reset";

#[derive(Default, Serialize, Deserialize)]
struct ForgotView {
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn get_forgot(session: BrowserSession) -> Result<Response, PageError> {
    let view = session
        .take_flash::<ForgotView>(FORGOT_FLASH)
        .await?
        .unwrap_or_default();
    let page = ForgotPasswordPage {
        csrf_token: session.csrf_token().await?,
        email: view.email,
        error: view.error,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

/// Answers at once, the same for every address: the lookup and the mail happen after the
/// answer, so neither the words nor the timing tell whether an account has the address. A
/// request over the limits is answered 429 or 503 with `Retry-After` instead.
async fn post_forgot(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let email: String = form
        .get("email")
        .unwrap_or_default()
        .trim()
        .chars()
        .take(254)
        .collect();
    if !email.contains('@') {
        let view = ForgotView {
            email,
            error: Some("Enter the email address of your account.".into()),
        };
        session.set_flash(FORGOT_FLASH, &view).await?;
        return Ok(Redirect::to("/password/forgot").into_response());
    }
    let now = state.clock.now();
    match email_links::request_reset_after_answer(&state, origin, Asker::Browser, email).await? {
        Ok(()) => {}
        // Not taken: said so, never "we sent you a link" (DECISIONS §88).
        Err(ResetRefused::Throttled(lock)) => {
            return Err(PageError::TooMany(lock.retry_after(now)));
        }
        Err(ResetRefused::Overloaded(lock)) => {
            return Err(PageError::Overloaded(lock.retry_after(now)));
        }
    }
    Ok(pages::message(
        StatusCode::OK,
        "Check your email",
        "If an account has that address, we sent it a link to choose a new password (at most three an hour). The link works once, for 30 minutes. Nothing arrived? Look in your spam folder, or ask again in a few minutes.",
        Some(("/login", "Back to sign in")),
    ))
}

fn link_invalid() -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "This link does not work any more",
        "Links we send by email work once and for a short time only. Ask for a new one.",
        Some(("/password/forgot", "Ask for a new link")),
    )
}

async fn get_reset(
    State(state): State<AppState>,
    session: BrowserSession,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = query.token.unwrap_or_default();
    if !email_links::check_reset_link(&state, &token).await? {
        return Ok(link_invalid());
    }
    let error = session.take_flash::<String>(RESET_FLASH).await?;
    let page = ResetPasswordPage {
        csrf_token: session.csrf_token().await?,
        token,
        error,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn post_reset(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let token = form.get("token").unwrap_or_default();
    let password = form.get("new_password").unwrap_or_default();
    match email_links::reset_password(&state, &origin, token, password).await {
        // Not signed in here: a second factor, if set up, is still asked at sign-in.
        Ok(user) => {
            session.sign_out().await?;
            // Factors added lately may be an intruder's: offered for removal first.
            if !factor_review::recently_added(&state, &user)
                .await?
                .is_empty()
            {
                let review = Review {
                    user_id: user.id,
                    until: state.clock.now() + REVIEW_TTL_SECS,
                };
                session.put(REVIEW, &review).await?;
                return Ok(Redirect::to("/password/reset/review").into_response());
            }
            Ok(password_changed())
        }
        Err(LinkError::WeakPassword(why)) => {
            session
                .set_flash(
                    RESET_FLASH,
                    &crate::i18n::t1(
                        "page-password-unusable",
                        "why",
                        &crate::i18n::translate(&why),
                    ),
                )
                .await?;
            let again = format!("/password/reset?{}", query_with_token(token));
            Ok(Redirect::to(&again).into_response())
        }
        Err(LinkError::Invalid) => Ok(link_invalid()),
        Err(LinkError::Password(error)) => Err(error.into()),
        Err(LinkError::Store(error)) => Err(error.into()),
    }
}

fn password_changed() -> Response {
    pages::message(
        StatusCode::OK,
        "Your password is changed",
        "Every session of your account was signed out and apps must ask again. Sign in with your new password.",
        Some(("/login", "Sign in")),
    )
}

/// The review after a reset, kept in the browser session that made it: whose factors, until
/// when.
#[derive(Serialize, Deserialize)]
struct Review {
    user_id: String,
    until: i64,
}

const REVIEW: &str = "reset_review";
/// How long the review stays open after the reset.
const REVIEW_TTL_SECS: i64 = 15 * 60;
const REVIEW_FLASH: &str = "flash:reset-review";

/// The account under review in this browser, if the review is still open.
async fn under_review(
    state: &AppState,
    session: &BrowserSession,
) -> Result<Option<UserRecord>, PageError> {
    let Some(review) = session.read::<Review>(REVIEW).await? else {
        return Ok(None);
    };
    if review.until <= state.clock.now() {
        return Ok(None);
    }
    Ok(crate::accounts::users::find(state, &review.user_id).await?)
}

async fn get_review(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let Some(user) = under_review(&state, &session).await? else {
        return Ok(password_changed());
    };
    let factors = factor_review::recently_added(&state, &user).await?;
    let page = ResetReviewPage {
        csrf_token: session.csrf_token().await?,
        factors: factors.iter().map(ReviewedFactor::of).collect(),
        days: factor_review::review_days(&user, state.clock.now()),
        notice: session.take_flash::<String>(REVIEW_FLASH).await?,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn post_review(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = under_review(&state, &session).await? else {
        return Ok(password_changed());
    };
    let key = form.get("factor").unwrap_or_default();
    let notice = match factor_review::remove_recent(&state, &origin, &user, key).await? {
        true => "Removed.",
        false => "That sign-in method is not there any more.",
    };
    session.set_flash(REVIEW_FLASH, &notice.to_string()).await?;
    Ok(Redirect::to("/password/reset/review").into_response())
}

fn query_with_token(token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish()
}

/// The confirmation link asks for a click rather than acting on the GET: mail scanners
/// fetch links, and a fetch must not count as the person confirming.
async fn get_verify(
    session: BrowserSession,
    Query(query): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = query.token.unwrap_or_default();
    if token.is_empty() || token.len() > 128 {
        return Ok(link_invalid());
    }
    let page = VerifyEmailPage {
        csrf_token: session.csrf_token().await?,
        token,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn post_verify(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let token = form.get("token").unwrap_or_default();
    match email_links::verify_email(&state, &origin, token).await {
        // Back to the page that asked for a confirmed address (a farm invitation), if any.
        Ok(_) => match session.take_return_path(state.clock.now()).await? {
            Some(back) => Ok(Redirect::to(&back).into_response()),
            None => Ok(pages::message(
                StatusCode::OK,
                "Your email address is confirmed",
                "Thank you. Apps you allow to see your email address will now see it as confirmed.",
                Some(("/account", "Go to your account")),
            )),
        },
        Err(LinkError::Store(error)) => Err(error.into()),
        Err(LinkError::Password(error)) => Err(error.into()),
        Err(_) => Ok(pages::message(
            StatusCode::BAD_REQUEST,
            "This link does not work any more",
            "Confirmation links work once, for 24 hours. Sign in and ask for a new one on your account page.",
            Some(("/account", "Go to your account")),
        )),
    }
}
