//! The second step of a sign-in, for people with a second factor: a code from their
//! authenticator app, one of their recovery codes, or a passkey. Reached only with a right
//! password in this browser session, for a few minutes.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::{DeviceToken, PendingId, RequestOrigin};
use super::login::{finish_sign_in, pending, refuse_stopped, with_request};
use super::pages::{self, SecondFactorPage};
use super::session::BrowserSession;
use crate::accounts::login;
use crate::accounts::second_factor::{self, FactorError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/login/second-factor",
        get(get_second_factor).post(post_second_factor),
    )
}

const FLASH: &str = "flash:second-factor";

#[derive(Serialize, Deserialize)]
struct Refused {
    error: String,
}

async fn get_second_factor(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let pending = pending(&session, request.as_deref()).await?;
    let Some(partial) = session.partial_login(state.clock.now()).await? else {
        return Ok(Redirect::to(&with_request("/login", pending.as_ref())).into_response());
    };
    let factors = second_factor::factors_of(&state, &partial.user_id).await?;
    let error = session.take_flash::<Refused>(FLASH).await?.map(|r| r.error);
    let page = SecondFactorPage {
        csrf_token: session.csrf_token().await?,
        start_again: with_request("/login", pending.as_ref()),
        request: pending.as_ref().map(|p| p.id.clone()),
        totp: factors.totp,
        recovery: factors.totp || factors.usable_recovery_codes(),
        passkeys: factors.usable_passkeys(&state),
        error,
    };
    let csp = pages::Csp::returning_to(pending.as_ref().map(|p| p.request.redirect_uri.as_str()))
        .with_own_scripts();
    Ok(pages::page(StatusCode::OK, &page, csp))
}

async fn post_second_factor(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    DeviceToken(device): DeviceToken,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let Some(partial) = session.partial_login(state.clock.now()).await? else {
        return Ok(Redirect::to(&with_request("/login", pending.as_ref())).into_response());
    };
    let code = form.get("code").unwrap_or_default();
    let checked = match form.get("method") {
        Some("recovery") => {
            second_factor::check_recovery_code(&state, &origin, &partial.user_id, code).await
        }
        _ => second_factor::check_totp(&state, &origin, &partial.user_id, code).await,
    };
    let refused = match checked {
        Ok(()) => {
            let Some(user) = crate::accounts::users::find(&state, &partial.user_id).await? else {
                session.clear_partial_login().await?;
                return Ok(Redirect::to("/login").into_response());
            };
            // Locked, or a new password required, by an administrator since the password
            // step.
            if let Some(why) = login::stopped_after_checks(&user, true) {
                let event = match form.get("method") {
                    Some("recovery") => "login.recovery_code",
                    _ => "login.totp",
                };
                login::record_stopped(&state, &origin, &user, event, &why).await?;
                return refuse_stopped(&session, pending.as_ref(), &why).await;
            }
            // RFC 8176: a password and a one-time code, two factors.
            let person =
                login::start_session(&state, &user, &["pwd", "otp", "mfa"], &origin).await?;
            let device = device.as_deref();
            return finish_sign_in(&state, &session, &person, pending.as_ref(), device).await;
        }
        // A password or an enrolment refusal is no answer to a code; this step gives none.
        Err(FactorError::WrongCode | FactorError::WrongPassword | FactorError::AlreadyEnabled) => {
            "That code is not right. Check it and try again.".into()
        }
        Err(FactorError::Locked(lock)) => format!(
            "Too many wrong codes. {}",
            lock.try_again(state.clock.now())
        ),
        Err(FactorError::NotEnrolled) => "Use another way to confirm it is you.".into(),
        Err(FactorError::Store(error)) => return Err(error.into()),
        Err(FactorError::Password(error)) => return Err(error.into()),
    };
    session
        .set_flash(FLASH, &Refused { error: refused })
        .await?;
    let again = with_request("/login/second-factor", pending.as_ref());
    Ok(Redirect::to(&again).into_response())
}
