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
use super::extract::PendingId;
use super::login::{pending, refuse_stopped, with_request};
use super::pages::{self, SecondFactorPage};
use super::session::BrowserSession;
use super::sign_in::{self as web_sign_in, StepFrom};
use crate::accounts::sign_in::{Refusal, Step, second_factor};
use crate::metrics::SignInMethod;
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
    let factors = crate::accounts::second_factor::factors_of(&state, &partial.user_id).await?;
    let error = session.take_flash::<Refused>(FLASH).await?.map(|r| r.error);
    let page = SecondFactorPage {
        csrf_token: session.csrf_token().await?,
        by_code: !partial.amr.iter().any(|m| m == "pwd"),
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
    from: StepFrom,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let Some(partial) = session.partial_login(state.clock.now()).await? else {
        return Ok(Redirect::to(&with_request("/login", pending.as_ref())).into_response());
    };
    let code = form.get("code").unwrap_or_default();
    let browser = from.browser();
    let step = match form.get("method") {
        Some("recovery") => second_factor::recovery_code(&state, browser, &partial, code)
            .await?
            .counted(SignInMethod::recovery_code),
        _ => second_factor::totp(&state, browser, &partial, code)
            .await?
            .counted(SignInMethod::authenticator_code),
    };
    let refused = match step {
        Step::SignedIn(done) => {
            return web_sign_in::finish(&state, &session, &done, pending.as_ref()).await;
        }
        // A second step never asks for another; were it to, the sign-in starts over.
        Step::SecondFactor(_) => {
            return refuse_stopped(&state, &session, pending.as_ref(), &Refusal::StartAgain).await;
        }
        Step::Refused(why) if web_sign_in::ends_the_sign_in(&why) => {
            return refuse_stopped(&state, &session, pending.as_ref(), &why).await;
        }
        Step::Refused(Refusal::Throttled(lock)) => format!(
            "{} {}",
            crate::i18n::translate("Too many wrong codes."),
            lock.try_again(state.clock.now())
        ),
        Step::Refused(why) => web_sign_in::refusal_text(&state, &why),
    };
    session
        .set_flash(FLASH, &Refused { error: refused })
        .await?;
    let again = with_request("/login/second-factor", pending.as_ref());
    Ok(Redirect::to(&again).into_response())
}
