//! Making an account from an upstream sign-in ([`super::upstream`]): the page offers a
//! username (the provider's `preferred_username`, else the address's local part), and the
//! account is made without a password, linked, and signed in through the same step as
//! every later upstream sign-in (decision 135).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::login::pending;
use super::pages::{self, Csp, UpstreamSignupPage};
use super::session::BrowserSession;
use super::sign_in::StepFrom;
use super::upstream::{ARRIVED, Arrived, kept, render_step, start_again};
use crate::accounts::sign_in::upstream::{Arrival, upstream as upstream_step};
use crate::accounts::upstream;
use crate::accounts::upstream::links::{self, UpstreamSignUpError};
use crate::state::AppState;

const SIGNUP_FLASH: &str = "flash:upstream-signup";

#[derive(Serialize, Deserialize)]
struct SignupRefused {
    username: String,
    error: String,
}

pub(super) async fn get_signup(
    State(state): State<AppState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    let Some(arrived) = kept(&state, &session, ARRIVED).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let provider = upstream::find(&state, &arrived.identity.provider_id).await?;
    let refused = session.take_flash::<SignupRefused>(SIGNUP_FLASH).await?;
    let identity = &arrived.identity;
    let page = UpstreamSignupPage {
        csrf_token: session.csrf_token().await?,
        request: arrived.request.clone(),
        provider: provider.map(|p| p.label).unwrap_or_default(),
        email: identity.email.clone().unwrap_or_default(),
        email_verified: identity.email_verified,
        username: match &refused {
            Some(r) => r.username.clone(),
            None => links::suggested_username(identity),
        },
        error: refused.map(|r| r.error),
    };
    Ok(pages::page(StatusCode::OK, &page, Csp::default()))
}

pub(super) async fn post_signup(
    State(state): State<AppState>,
    from: StepFrom,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let Some(arrived) = kept(&state, &session, ARRIVED).await? else {
        return Ok(start_again("This sign-in has expired. Start again."));
    };
    let pending = pending(&session, arrived.request.as_deref()).await?;
    let username: String = form
        .get("username")
        .unwrap_or_default()
        .chars()
        .take(64)
        .collect();
    let origin = from.browser().origin;
    let now = state.clock.now();
    match links::sign_up(&state, origin, &arrived.identity, &username).await {
        Ok(_) => {}
        Err(UpstreamSignUpError::Store(error)) => return Err(error.into()),
        Err(UpstreamSignUpError::Throttled(lock)) => {
            return Err(PageError::TooMany(lock.retry_after(now)));
        }
        Err(UpstreamSignUpError::Overloaded(lock)) => {
            return Err(PageError::Overloaded(lock.retry_after(now)));
        }
        Err(error) => {
            let refused = SignupRefused {
                username,
                error: error.to_string(),
            };
            session.set_flash(SIGNUP_FLASH, &refused).await?;
            return Ok(Redirect::to("/login/upstream/signup").into_response());
        }
    }
    session.take_flash::<Arrived>(ARRIVED).await?;
    let Some(provider) = upstream::find(&state, &arrived.identity.provider_id).await? else {
        return Ok(start_again("This sign-in provider is no longer offered."));
    };
    // The new account is linked: the same step as every later upstream sign-in.
    let arrival = upstream_step(&state, from.browser(), &provider, &arrived.identity).await?;
    match arrival {
        Arrival::Step(step) => render_step(&state, &session, pending.as_ref(), step).await,
        _ => Ok(start_again("Sign in again.")),
    }
}
