//! The second-factor parts of the account: setting up an authenticator app (QR code and
//! `otpauth://` URI, confirmed by a first code), the recovery codes shown once, and taking
//! either away again with the password.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::account::{AccountPost, back, done, factor_refusal, person};
use super::error::PageError;
use super::pages::{self, Csp, RecoveryCodesPage, TotpEnrolPage};
use super::session::BrowserSession;
use crate::accounts::second_factor::{self, FactorError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/totp", get(get_totp).post(post_totp_start))
        .route("/account/totp/confirm", post(post_totp_confirm))
        .route("/account/totp/disable", post(post_totp_disable))
        .route(
            "/account/recovery-codes",
            get(get_recovery_codes).post(post_recovery_codes),
        )
}

const CODES: &str = "flash:recovery-codes";
const ENROL_ERROR: &str = "flash:totp";

#[derive(Serialize, Deserialize)]
struct NewCodes {
    codes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct EnrolError {
    error: String,
}

/// Starts (or restarts) an enrolment, then shows it.
async fn post_totp_start(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let password = form.get("password").unwrap_or_default();
    match second_factor::start_totp(&state, &origin, &user, password).await {
        Ok(_) => Ok(Redirect::to("/account/totp").into_response()),
        Err(error) => back(&session, factor_refusal(&state, error)?).await,
    }
}

/// The enrolment in progress: the QR code, the URI and secret as text, and the code form.
async fn get_totp(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let (_, user) = person(&state, &session).await?;
    let enrolment = match second_factor::pending_totp(&state, &user).await {
        Ok(Some(enrolment)) => enrolment,
        Ok(None) => return Ok(Redirect::to("/account").into_response()),
        Err(error) => return back(&session, factor_refusal(&state, error)?).await,
    };
    let error = session
        .take_flash::<EnrolError>(ENROL_ERROR)
        .await?
        .map(|e| e.error);
    let page = TotpEnrolPage {
        csrf_token: session.csrf_token().await?,
        qr_svg: enrolment.qr_svg,
        otpauth_uri: enrolment.otpauth_uri,
        secret: enrolment.secret,
        error,
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

async fn post_totp_confirm(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let code = form.get("code").unwrap_or_default();
    match second_factor::confirm_totp(&state, &origin, &user.id, code).await {
        Ok(codes) => {
            session.set_flash(CODES, &NewCodes { codes }).await?;
            Ok(Redirect::to("/account/recovery-codes").into_response())
        }
        Err(error @ (FactorError::WrongCode | FactorError::Locked(_))) => {
            let notice = factor_refusal(&state, error)?;
            let error = notice.error.unwrap_or_default();
            session
                .set_flash(ENROL_ERROR, &EnrolError { error })
                .await?;
            Ok(Redirect::to("/account/totp").into_response())
        }
        Err(error) => back(&session, factor_refusal(&state, error)?).await,
    }
}

async fn post_totp_disable(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let password = form.get("password").unwrap_or_default();
    let notice = match second_factor::disable_totp(&state, &origin, &user, password).await {
        Ok(()) => done("The authenticator app and its recovery codes are removed."),
        Err(error) => factor_refusal(&state, error)?,
    };
    back(&session, notice).await
}

/// New recovery codes, after the password.
async fn post_recovery_codes(
    State(state): State<AppState>,
    AccountPost {
        session,
        origin,
        user,
        form,
        ..
    }: AccountPost,
) -> Result<Response, PageError> {
    let password = form.get("password").unwrap_or_default();
    match second_factor::regenerate_recovery_codes(&state, &origin, &user, password).await {
        Ok(codes) => {
            session.set_flash(CODES, &NewCodes { codes }).await?;
            Ok(Redirect::to("/account/recovery-codes").into_response())
        }
        Err(error) => back(&session, factor_refusal(&state, error)?).await,
    }
}

/// The recovery codes just made, shown this once.
async fn get_recovery_codes(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    person(&state, &session).await?;
    let Some(NewCodes { codes }) = session.take_flash::<NewCodes>(CODES).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let page = RecoveryCodesPage { codes };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}
