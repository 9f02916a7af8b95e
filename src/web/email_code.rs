//! Signing in with a code mailed to the account's confirmed address
//! ([`crate::accounts::email_codes`]): one page asks for the address, the next for the code.
//! Both answer POSTs with a 303 (Post/Redirect/Get); what the browser asked for is kept in
//! its session, so the code works only in the browser that asked.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::csrf::CsrfForm;
use super::error::PageError;
use super::extract::{PendingId, RequestOrigin};
use super::login::{pending, refuse_stopped, with_request};
use super::pages::{self, Csp, EmailCodePage, EmailCodeVerifyPage};
use super::session::{BrowserSession, Pending};
use super::sign_in::{self as web_sign_in, StepFrom};
use crate::accounts::email_codes::{self, AskRefused, Challenge};
use crate::accounts::sign_in::{Refusal, Step, email_code};
use crate::metrics::SignInMethod;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/email-code", get(get_ask).post(post_ask))
        .route(
            "/login/email-code/verify",
            get(get_verify).post(post_verify),
        )
}

/// Where the browser keeps the challenge of the code it asked for.
const CHALLENGE: &str = "email_code";
const ASK_FLASH: &str = "flash:email-code";
const VERIFY_FLASH: &str = "flash:email-code-verify";

#[derive(Default, Serialize, Deserialize)]
struct Refused {
    email: String,
    error: Option<String>,
}

fn csp(pending: Option<&Pending>) -> Csp {
    Csp::returning_to(pending.map(|p| p.request.redirect_uri.as_str()))
}

async fn get_ask(
    session: BrowserSession,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let pending = pending(&session, request.as_deref()).await?;
    let refused = session.take_flash::<Refused>(ASK_FLASH).await?;
    let refused = refused.unwrap_or_default();
    let page = EmailCodePage {
        csrf_token: session.csrf_token().await?,
        request: pending.as_ref().map(|p| p.id.clone()),
        email: refused.email,
        error: refused.error,
        back: with_request("/login", pending.as_ref()),
    };
    Ok(pages::page(StatusCode::OK, &page, csp(pending.as_ref())))
}

async fn post_ask(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let address = form.get("email").unwrap_or_default();
    let now = state.clock.now();
    let challenge = match email_codes::ask(&state, origin, address).await? {
        Ok(challenge) => challenge,
        Err(AskRefused::Throttled(lock)) => return Err(PageError::TooMany(lock.retry_after(now))),
        Err(AskRefused::Overloaded(lock)) => {
            return Err(PageError::Overloaded(lock.retry_after(now)));
        }
    };
    session.put(CHALLENGE, &challenge).await?;
    let next = with_request("/login/email-code/verify", pending.as_ref());
    Ok(Redirect::to(&next).into_response())
}

/// The challenge this browser keeps, if it has not run out.
async fn challenge(
    state: &AppState,
    session: &BrowserSession,
) -> Result<Option<Challenge>, PageError> {
    let now = state.clock.now();
    let kept = session.read::<Challenge>(CHALLENGE).await?;
    Ok(kept.filter(|c| c.expires_at > now))
}

async fn get_verify(
    State(state): State<AppState>,
    session: BrowserSession,
    PendingId(request): PendingId,
) -> Result<Response, PageError> {
    let pending = pending(&session, request.as_deref()).await?;
    let again = with_request("/login/email-code", pending.as_ref());
    let Some(challenge) = challenge(&state, &session).await? else {
        return Ok(Redirect::to(&again).into_response());
    };
    let error = session.take_flash::<Refused>(VERIFY_FLASH).await?;
    let page = EmailCodeVerifyPage {
        csrf_token: session.csrf_token().await?,
        request: pending.as_ref().map(|p| p.id.clone()),
        email: challenge.address,
        error: error.and_then(|r| r.error),
        again,
    };
    Ok(pages::page(StatusCode::OK, &page, csp(pending.as_ref())))
}

async fn post_verify(
    State(state): State<AppState>,
    from: StepFrom,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, PageError> {
    let pending = pending(&session, form.get("request")).await?;
    let Some(challenge) = challenge(&state, &session).await? else {
        return start_again(&session, pending.as_ref(), String::new()).await;
    };
    let code = form.get("code").unwrap_or_default();
    let browser = from.browser();
    let step = email_code::email_code(&state, browser, &challenge, code).await?;
    let refused = match step.counted(SignInMethod::email_code) {
        Step::SecondFactor(partial) => {
            session.take_flash::<Challenge>(CHALLENGE).await?;
            session.set_partial_login(&partial).await?;
            let next = with_request("/login/second-factor", pending.as_ref());
            return Ok(Redirect::to(&next).into_response());
        }
        Step::SignedIn(done) => {
            session.take_flash::<Challenge>(CHALLENGE).await?;
            return web_sign_in::finish(&state, &session, &done, pending.as_ref()).await;
        }
        Step::Refused(Refusal::StartAgain) => {
            return start_again(&session, pending.as_ref(), challenge.address).await;
        }
        Step::Refused(why) if web_sign_in::ends_the_sign_in(&why) => {
            session.take_flash::<Challenge>(CHALLENGE).await?;
            return refuse_stopped(&state, &session, pending.as_ref(), &why).await;
        }
        Step::Refused(why) => web_sign_in::refusal_text(&state, &why),
    };
    let kept = Refused {
        email: challenge.address,
        error: Some(refused),
    };
    session.set_flash(VERIFY_FLASH, &kept).await?;
    let again = with_request("/login/email-code/verify", pending.as_ref());
    Ok(Redirect::to(&again).into_response())
}

/// Back to asking for a code: the one asked for ran out.
async fn start_again(
    session: &BrowserSession,
    pending: Option<&Pending>,
    email: String,
) -> Result<Response, PageError> {
    session.take_flash::<Challenge>(CHALLENGE).await?;
    let refused = Refused {
        email,
        error: Some("That code has expired. Ask for a new one.".into()),
    };
    session.set_flash(ASK_FLASH, &refused).await?;
    let again = with_request("/login/email-code", pending);
    Ok(Redirect::to(&again).into_response())
}
